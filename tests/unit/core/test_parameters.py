"""The hyperparameter table: defaults, the rules at construction, and the re-check of
settings changed after construction."""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch

from torchsom import SOM
from torchsom.core.parameters import (
    MAX_NEIGHBORHOOD_ORDER,
    SOM_PARAMETERS,
    validate_parameters,
    validate_settings,
)
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning


def _values(**changes) -> dict:
    values = {name: rule.default for name, rule in SOM_PARAMETERS.items()}
    values.update(x=4, y=3, num_features=2)
    values.update(changes)
    return values


def test_the_table_holds_the_constructor_defaults() -> None:
    signature = inspect.signature(SOM.__init__).parameters
    assert list(SOM_PARAMETERS) == [name for name in signature if name != "self"]
    for name, rule in SOM_PARAMETERS.items():
        default = signature[name].default
        expected = None if default is inspect.Parameter.empty else default
        assert rule.default == expected, name


def test_the_defaults_are_valid() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_parameters(_values())


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"neighborhood_order": MAX_NEIGHBORHOOD_ORDER + 1},
         rf"^neighborhood_order must be an int in \[1, {MAX_NEIGHBORHOOD_ORDER}\]; got "),
        ({"random_seed": 2**64}, r"^random_seed must be an int in \[0, 2\*\*64 - 1\]"),
        ({"max_missing_fraction": 1.5}, r"^max_missing_fraction must be in \(0, 1\]"),
        ({"missing_values": "ignore", "distance_function": "cosine"},
         r"^missing_values='ignore' needs distance_function='euclidean'"),
        ({"algorithm": "batch", "neighborhood_function": "mexican_hat"},
         r"^neighborhood_function='mexican_hat' cannot be used with algorithm='batch'"),
        ({"lr_decay_function": "fast"},
         r"^Invalid learning rate decay function: lr_decay_function='fast' is not valid"),
        ({"topology": "hexagonal", "pbc": True, "x": 3}, r"even number of rows x, got x=3"),
    ],
)
def test_rules_name_the_parameter(changes: dict, pattern: str) -> None:
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_parameters(_values(**changes))


def test_callables_pass_the_function_rules() -> None:
    validate_parameters(_values(distance_function=lambda a, b: a, random_seed=None))


def test_a_large_sigma_warns_unless_asked_not_to() -> None:
    with pytest.warns(TorchSOMWarning, match=r"^sigma=9.0 is larger than the map diagonal"):
        validate_parameters(_values(sigma=9.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_parameters(_values(sigma=9.0), warn=False)


def _som(**kwargs) -> SOM:
    return SOM(**{"x": 4, "y": 3, "num_features": 2, "device": "cpu", **kwargs})


def test_settings_changed_to_valid_values_pass() -> None:
    som = _som()
    som.learning_rate, som.epochs, som.sigma = 0.1, 3, 2.0
    validate_settings(som)


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda som: setattr(som, "learning_rate", -0.5),
         r"^this SOM's settings were changed after construction to invalid values: "
         r"learning_rate must be a finite real number > 0; got -0.5"),
        (lambda som: setattr(som, "x", 5),
         r"^x, y and num_features are \(5, 3, 2\), but the weights have shape \(4, 3, 2\)"),
        (lambda som: setattr(som, "distance_function", "manhattan"),
         r"^distance_function was changed to 'manhattan' after construction, but the map "
         r"still uses 'euclidean_distance'"),
        (lambda som: setattr(som, "topology", "hexagonal"),
         r"^topology was changed to 'hexagonal' after construction, but the neuron "
         r"positions are those of the original grid"),
        (lambda som: setattr(som, "search_backend", "faiss"),
         r"^search_backend was changed to 'faiss' after construction, but the map still "
         r"searches with 'torch'"),
    ],
)
def test_settings_fixed_at_construction_are_checked(change, pattern: str) -> None:
    som = _som(search_backend="torch")
    change(som)
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_settings(som)


def test_a_resized_map_is_refused_by_fit() -> None:
    som = _som()
    som.num_features = 3
    with pytest.raises(InvalidParameterError, match=r"the size of a map cannot change"):
        som.fit(torch.zeros(5, 3), verbose=False)
