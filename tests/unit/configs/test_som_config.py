"""SOMConfig (configs/som_config.py) is derived from the table of hyperparameters."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from torchsom import SOM
from torchsom._validation import resolve_device
from torchsom.configs import SOMConfig
from torchsom.configs.som_config import CONFIG_DIFFERENCES, config_annotation
from torchsom.core.parameters import SOM_PARAMETERS


def test_one_field_per_parameter_in_the_same_order() -> None:
    assert list(SOMConfig.model_fields) == list(SOM_PARAMETERS)


def test_defaults_agree_with_the_constructor() -> None:
    config = SOMConfig(x=3, y=4)
    for name, rule in SOM_PARAMETERS.items():
        field = SOMConfig.model_fields[name]
        if name in ("x", "y"):
            assert field.is_required()
        elif name == "device":  # resolved when the config is made
            assert config.device == resolve_device(None)
        else:
            assert not field.is_required() and field.default == rule.default, name
            assert getattr(config, name) == rule.default, name
        assert field.description == rule.summary, name


def test_types_agree_with_the_table() -> None:
    expected = {"int": int, "float": float, "bool": bool, "choice": str, "function": str,
                "device": str, "seed": int | None}
    for name, rule in SOM_PARAMETERS.items():
        annotation = SOMConfig.model_fields[name].annotation
        assert annotation == config_annotation(name), name
        if name != "num_features":
            assert annotation == expected[rule.kind], name
    assert typing.get_args(SOMConfig.model_fields["num_features"].annotation) == (int, type(None))


def test_only_the_declared_fields_differ_from_the_constructor() -> None:
    import inspect

    constructor = inspect.signature(SOM).parameters
    differing = set()
    for name, rule in SOM_PARAMETERS.items():
        field = SOMConfig.model_fields[name]
        same_requirement = field.is_required() == (constructor[name].default
                                                   is inspect.Parameter.empty)
        same_default = field.default_factory is None and (
            field.is_required() or field.default == constructor[name].default)
        if not (same_requirement and same_default) or rule.kind == "function":
            differing.add(name)
    assert differing == set(CONFIG_DIFFERENCES)


# values the table's rules refuse; pydantic parses before the rule runs
REFUSED = {
    "x": 0, "y": -2, "num_features": 0, "epochs": 0, "batch_size": 0, "sigma": 0.0,
    "learning_rate": float("inf"), "neighborhood_order": 10**7, "topology": "hex",
    "lr_decay_function": "fast", "sigma_decay_function": "fast",
    "neighborhood_function": "gauss", "distance_function": "euclidian",
    "initialization_mode": "zeros", "pbc": "maybe", "search_backend": "annoy",
    "device": "tpu", "random_seed": -1, "algorithm": "sgd", "missing_values": "drop",
    "max_missing_fraction": 2.0,
}


@pytest.mark.parametrize("name", list(SOM_PARAMETERS))
def test_config_refuses_what_the_constructor_refuses(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        SOMConfig(**{"x": 3, "y": 3, name: REFUSED[name]})
    if name not in ("pbc",):  # pydantic refuses "maybe" before the rule: no SOM check
        with pytest.raises(ValueError, match=name):
            SOM(**{"x": 3, "y": 3, "num_features": 2, "device": "cpu",
                   name: REFUSED[name]})


def test_config_checks_the_combinations() -> None:
    with pytest.raises(ValueError, match="even number of rows"):
        SOMConfig(x=3, y=4, topology="hexagonal", pbc=True)
    with pytest.raises(ValueError, match="mexican_hat"):
        SOMConfig(x=3, y=4, neighborhood_function="mexican_hat", algorithm="batch")
    with pytest.raises(ValueError, match="Extra inputs"):
        SOMConfig(x=3, y=4, colour="red")


def test_config_accepts_a_none_seed_and_builds_the_map() -> None:
    config = SOMConfig(x=3, y=4, num_features=2, random_seed=None, device="cpu")
    som = SOM.from_config(config)
    assert som.random_seed is None and som.get_params()["num_features"] == 2
    assert SOM.from_config(SOMConfig(x=2, y=2, device="cpu"), num_features=5).num_features == 5


def test_json_schema_lists_the_choices() -> None:
    schema = SOMConfig.model_json_schema()["properties"]
    assert schema["topology"]["enum"] == list(SOM_PARAMETERS["topology"].choices)
    assert schema["algorithm"]["default"] == "minibatch"


def test_som_config_round_trip_and_errors() -> None:
    config = SOMConfig(x=3, y=4, num_features=2, topology="hexagonal", device="cpu")
    som = SOM.from_config(config, epochs=2)
    assert (som.x, som.y, som.topology, som.epochs) == (3, 4, "hexagonal", 2)
    assert SOM.from_config(config.model_dump()).get_params()["topology"] == "hexagonal"
    with pytest.raises(ValidationError, match=r"topology='hex' is not valid"):
        SOMConfig(x=3, y=4, topology="hex")
    with pytest.raises(ValidationError, match=r"colour"):
        SOMConfig(x=3, y=4, colour="red")
    with pytest.raises(ValidationError, match=r"x"):
        SOMConfig(x=0, y=4)
