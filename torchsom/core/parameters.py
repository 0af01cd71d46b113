"""The one table of SOM hyperparameters: defaults and constraints.

It drives :class:`torchsom.SOM` validation and :class:`torchsom.configs.SOMConfig`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import torch

from torchsom._registry import check_choice
from torchsom._validation import check_bool, check_int, check_positive_float
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.search import SEARCH_BACKENDS
from torchsom.topology.coordinates import TOPOLOGIES, check_topology, grid_positions

__all__ = ["Parameter", "SOM_PARAMETERS", "ALGORITHMS", "INITIALIZATION_MODES",
           "MAX_NEIGHBORHOOD_ORDER", "MISSING_VALUES", "validate_parameters",
           "validate_settings"]

ALGORITHMS = ("minibatch", "batch", "online")
MISSING_VALUES = ("error", "ignore")
#: largest accepted neighborhood_order: far beyond any useful one (maps and retrieval cap
#: the order at the grid's largest distance), it only keeps absurd values out of files
MAX_NEIGHBORHOOD_ORDER = 1_000_000
INITIALIZATION_MODES = ("random", "pca")
_MAX_SEED = 2**64 - 1  # the range torch.Generator.manual_seed accepts


@dataclass(frozen=True)
class Parameter:
    """One hyperparameter: its default and the rule it must satisfy."""

    default: Any
    kind: str  # "int", "float", "bool", "choice", "function", "device", "seed"
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    phrase: str | None = None  # leading phrase kept from older error messages


SOM_PARAMETERS: dict[str, Parameter] = {
    "x": Parameter(None, "int", minimum=1),
    "y": Parameter(None, "int", minimum=1),
    "num_features": Parameter(None, "int", minimum=1),
    "epochs": Parameter(10, "int", minimum=1),
    "batch_size": Parameter(5, "int", minimum=1),
    "sigma": Parameter(1.0, "float"),
    "learning_rate": Parameter(0.5, "float"),
    "neighborhood_order": Parameter(1, "int", minimum=1, maximum=MAX_NEIGHBORHOOD_ORDER),
    "topology": Parameter("rectangular", "choice", choices=TOPOLOGIES),
    "lr_decay_function": Parameter(
        "asymptotic_decay", "function", choices=tuple(DECAY_FUNCTIONS),
        phrase="Invalid learning rate decay function",
    ),
    "sigma_decay_function": Parameter(
        "asymptotic_decay", "function", choices=tuple(DECAY_FUNCTIONS),
        phrase="Invalid sigma decay function",
    ),
    "neighborhood_function": Parameter(
        "gaussian", "function", choices=tuple(NEIGHBORHOOD_FUNCTIONS),
        phrase="Invalid neighborhood function",
    ),
    "distance_function": Parameter(
        "euclidean", "function", choices=tuple(DISTANCE_FUNCTIONS),
        phrase="Invalid distance function",
    ),
    "initialization_mode": Parameter("random", "choice", choices=INITIALIZATION_MODES),
    "pbc": Parameter(False, "bool"),
    "search_backend": Parameter("auto", "choice", choices=SEARCH_BACKENDS),
    "device": Parameter(None, "device"),
    "random_seed": Parameter(42, "seed"),
    "algorithm": Parameter("minibatch", "choice", choices=ALGORITHMS),
    "missing_values": Parameter("error", "choice", choices=MISSING_VALUES),
    "max_missing_fraction": Parameter(1.0, "float"),
}


def validate_parameters(values: dict[str, Any], *, warn: bool = True) -> None:
    """Check every hyperparameter in ``values`` against :data:`SOM_PARAMETERS`.

    ``warn=False`` skips the advisory warnings (e.g. a sigma larger than the map), for
    re-checks of settings that were already warned about at construction.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, the value and what is allowed.
    """
    x, y = values["x"], values["y"]
    for name, rule in SOM_PARAMETERS.items():
        value = values[name]
        if rule.kind == "int":
            check_int(name, value, rule.minimum or 0)
            if rule.maximum is not None and value > rule.maximum:
                raise InvalidParameterError(
                    f"{name} must be an int in [{rule.minimum}, {rule.maximum}]; got {value!r}."
                )
        elif rule.kind == "float":
            check_positive_float(name, value)
        elif rule.kind == "bool":
            check_bool(name, value)
        elif rule.kind == "choice" and name != "topology":
            check_choice(name, value, rule.choices, rule.phrase)
        elif rule.kind == "function" and not callable(value):
            check_choice(name, value, rule.choices, rule.phrase)
        elif rule.kind == "seed" and value is not None:
            if check_int(name, value, 0) > _MAX_SEED:
                raise InvalidParameterError(
                    f"{name} must be an int in [0, 2**64 - 1] (or None); got {value!r}."
                )
    check_topology(values["topology"], x, values["pbc"])
    diagonal = math.sqrt(x * x + y * y)
    if warn and values["sigma"] > diagonal:
        warnings.warn(
            f"sigma={values['sigma']} is larger than the map diagonal ({diagonal:.3g}): "
            "sigma might be too high for the dimension of the map; a value around "
            "max(x, y) / 4 usually works.",
            TorchSOMWarning,
            stacklevel=3,
        )
    _check_missing_settings(values)
    if values["neighborhood_function"] == "mexican_hat" and values["algorithm"] == "batch":
        raise InvalidParameterError(
            "neighborhood_function='mexican_hat' cannot be used with algorithm='batch': "
            "its negative weights make the batch rule's weighted average undefined; use "
            "'gaussian', 'bubble' or 'triangle', or algorithm='minibatch'."
        )


# function settings and the attribute holding the callable a built map actually uses
_RESOLVED_FUNCTIONS = {
    "distance_function": ("distance_fn", DISTANCE_FUNCTIONS),
    "neighborhood_function": ("neighborhood_fn", NEIGHBORHOOD_FUNCTIONS),
    "lr_decay_function": ("lr_decay_fn", DECAY_FUNCTIONS),
    "sigma_decay_function": ("sigma_decay_fn", DECAY_FUNCTIONS),
}


def validate_settings(som: Any) -> None:
    """Re-check the settings of a built map before it trains or is saved.

    The settings are plain attributes, so they can be changed after construction
    (``som.learning_rate = -0.5``). This checks them again with the constructor's rules,
    and checks that the settings fixed at construction (size, topology, functions,
    search backend) still describe the map: changing those needs a new map.

    Parameters
    ----------
    som : SOM
        A built map (any object with the :data:`SOM_PARAMETERS` attributes, ``weights``
        and the resolved ``distance_fn``, ``neighborhood_fn``, ``lr_decay_fn`` and
        ``sigma_decay_fn``).

    Raises
    ------
    InvalidParameterError
        Naming the setting, its value and what is allowed.
    """
    values = {name: getattr(som, name) for name in SOM_PARAMETERS}
    try:
        validate_parameters(values, warn=False)
    except InvalidParameterError as exc:
        raise InvalidParameterError(
            f"this SOM's settings were changed after construction to invalid values: {exc}"
        ) from None
    weights = som.weights
    size = (values["x"], values["y"], values["num_features"])
    if tuple(weights.shape) != size:
        raise InvalidParameterError(
            f"x, y and num_features are {size}, but the weights have shape "
            f"{tuple(weights.shape)}: the size of a map cannot change after construction. "
            "Build a new SOM of the new size."
        )
    for name, (attribute, registry) in _RESOLVED_FUNCTIONS.items():
        value = values[name]
        expected = value if callable(value) else registry.resolve(name, value)
        in_use = getattr(som, attribute, expected)
        if in_use is not expected:
            raise InvalidParameterError(
                f"{name} was changed to {value!r} after construction, but the map still uses "
                f"{getattr(in_use, '__name__', in_use)!r}; functions are fixed when a SOM "
                "is built. Build a new SOM with the new function."
            )
    _check_geometry(som, values)
    chosen = getattr(getattr(som, "_search_strategy", None), "name", None)
    if values["search_backend"] != "auto" and chosen not in (None, values["search_backend"]):
        raise InvalidParameterError(
            f"search_backend was changed to {values['search_backend']!r} after construction, "
            f"but the map still searches with {chosen!r}; build a new SOM to change it."
        )


def _check_geometry(som: Any, values: dict[str, Any]) -> None:
    rows = getattr(som, "xx", None)
    if rows is None:
        return
    expected, _ = grid_positions(values["x"], values["y"], values["topology"],
                                 dtype=torch.float64)
    if not torch.allclose(rows.detach().to("cpu", torch.float64), expected, atol=1e-4):
        raise InvalidParameterError(
            f"topology was changed to {values['topology']!r} after construction, but the "
            "neuron positions are those of the original grid; build a new SOM with the new "
            "topology."
        )


def _check_missing_settings(values: dict[str, Any]) -> None:
    """``max_missing_fraction`` in (0, 1]; missing values only with the euclidean distance."""
    fraction = values.get("max_missing_fraction", 1.0)
    if fraction > 1:
        raise InvalidParameterError(
            f"max_missing_fraction must be in (0, 1] (the largest share of a row's features "
            f"that may be missing); got {fraction!r}."
        )
    distance = values["distance_function"]
    euclidean = distance == "euclidean" or distance is DISTANCE_FUNCTIONS["euclidean"]
    if values.get("missing_values", "error") == "ignore" and not euclidean:
        raise InvalidParameterError(
            f"missing_values='ignore' needs distance_function='euclidean' (distances over "
            f"the observed features are rescaled euclidean ones); got {distance!r}."
        )
