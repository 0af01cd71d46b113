"""Declarative SOM configuration (pydantic), built from the one table of hyperparameters.

Every field of :class:`SOMConfig`, its type, its default and its checks come from
:data:`torchsom.core.parameters.SOM_PARAMETERS`: a value is checked by the same function
the constructor of :class:`~torchsom.SOM` uses (:func:`~torchsom.core.parameters.
check_parameter`), after pydantic has parsed it, and the settings are then checked
together (:func:`~torchsom.core.parameters.check_combinations`). The differences with the
constructor are in :data:`CONFIG_DIFFERENCES`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from torchsom._validation import resolve_device
from torchsom.core.parameters import SOM_PARAMETERS, check_combinations, check_parameter

__all__ = ["SOMConfig", "CONFIG_DIFFERENCES", "config_annotation"]

#: where a config field differs from the constructor argument of the same name, and why
CONFIG_DIFFERENCES: dict[str, str] = {
    "num_features": "optional: configurations written before it existed have none; give "
                    "it to SOM.from_config(config, num_features=...) instead",
    "device": "a str, resolved when the config is made (None: cuda if available), as "
              "configurations have always stored it",
    "lr_decay_function": "a registry name: a configuration is plain data",
    "sigma_decay_function": "a registry name: a configuration is plain data",
    "neighborhood_function": "a registry name: a configuration is plain data",
    "distance_function": "a registry name: a configuration is plain data",
}

# kind of a parameter → the annotation of its config field
_ANNOTATIONS: dict[str, Any] = {
    "int": int, "float": float, "bool": bool, "choice": str, "function": str,
    "device": str, "seed": int | None,
}


def config_annotation(name: str) -> Any:
    """The type of the config field ``name`` (``int | None`` for an optional int)."""
    annotation = _ANNOTATIONS[SOM_PARAMETERS[name].kind]
    return int | None if name == "num_features" else annotation


def _field(name: str) -> Any:
    """The pydantic field of ``name``: default, description and schema from the table."""
    rule = SOM_PARAMETERS[name]
    extra: dict[str, Any] = {"enum": list(rule.choices)} if rule.choices else {}
    if name == "device":
        field = Field(default_factory=lambda: resolve_device(None),
                      description=rule.summary)
    elif rule.required and name != "num_features":
        field = Field(description=rule.summary)
    else:
        field = Field(default=rule.default, description=rule.summary,
                      json_schema_extra=extra or None)
    return field


class _Checked(BaseModel):
    """Checks of :class:`SOMConfig`: each field on its own, then all of them together."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _check_field(cls, value: Any, info: Any) -> Any:
        if not (info.field_name == "num_features" and value is None):
            check_parameter(info.field_name, value)
        return value

    @model_validator(mode="after")
    def _check_together(self) -> _Checked:
        check_combinations(dict(self), warn=False)  # the SOM warns when it is built
        return self


class SOMConfig(_Checked):
    """Hyperparameters of a :class:`~torchsom.SOM`, validated on creation.

    One field per constructor argument, with the constructor's defaults and checks
    (``docs/parameters.md`` lists them); :data:`CONFIG_DIFFERENCES` says where a field
    differs. ``SOM.from_config(config)`` builds the map. Unknown keys are rejected.
    """

    # the annotations are the typed surface; defaults and rules come from the table
    # (tests/unit/configs/test_som_config.py checks the annotations against it)
    x: int = _field("x")
    y: int = _field("y")
    num_features: int | None = _field("num_features")
    epochs: int = _field("epochs")
    batch_size: int = _field("batch_size")
    sigma: float = _field("sigma")
    learning_rate: float = _field("learning_rate")
    neighborhood_order: int = _field("neighborhood_order")
    topology: str = _field("topology")
    lr_decay_function: str = _field("lr_decay_function")
    sigma_decay_function: str = _field("sigma_decay_function")
    neighborhood_function: str = _field("neighborhood_function")
    distance_function: str = _field("distance_function")
    initialization_mode: str = _field("initialization_mode")
    pbc: bool = _field("pbc")
    search_backend: str = _field("search_backend")
    device: str = _field("device")
    random_seed: int | None = _field("random_seed")
    algorithm: str = _field("algorithm")
    missing_values: str = _field("missing_values")
    max_missing_fraction: float = _field("max_missing_fraction")
