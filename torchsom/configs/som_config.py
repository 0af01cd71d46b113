"""Declarative SOM configuration (pydantic), built from the same table as the SOM."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from torchsom._validation import resolve_device
from torchsom.core.parameters import MAX_NEIGHBORHOOD_ORDER, SOM_PARAMETERS

__all__ = ["SOMConfig"]


def _choices(name: str) -> tuple[str, ...]:
    return SOM_PARAMETERS[name].choices


class SOMConfig(BaseModel):
    """Hyperparameters of a :class:`~torchsom.SOM`, validated on creation.

    ``SOM.from_config(config)`` builds the map. Unknown keys are rejected.
    """

    model_config = ConfigDict(extra="forbid")

    x: int = Field(gt=0)
    y: int = Field(gt=0)
    num_features: int | None = Field(default=None, gt=0)
    topology: str = "rectangular"
    epochs: int = Field(default=10, ge=1)
    batch_size: int = Field(default=5, ge=1)
    learning_rate: float = Field(default=0.5, gt=0)
    sigma: float = Field(default=1.0, gt=0)
    neighborhood_function: str = "gaussian"
    distance_function: str = "euclidean"
    lr_decay_function: str = "asymptotic_decay"
    sigma_decay_function: str = "asymptotic_decay"
    initialization_mode: str = "random"
    pbc: bool = False
    search_backend: str = "auto"
    neighborhood_order: int = Field(default=1, ge=1, le=MAX_NEIGHBORHOOD_ORDER)
    device: str = Field(default_factory=lambda: resolve_device(None))
    random_seed: int = 42
    algorithm: str = "minibatch"
    missing_values: str = "error"
    max_missing_fraction: float = Field(default=1.0, gt=0, le=1)

    @field_validator(
        "topology", "neighborhood_function", "distance_function", "lr_decay_function",
        "sigma_decay_function", "initialization_mode", "search_backend", "algorithm",
        "missing_values",
    )
    @classmethod
    def _known_option(cls, value: Any, info: Any) -> Any:
        choices = _choices(info.field_name)
        if value not in choices:
            raise ValueError(f"{info.field_name}={value!r} is not one of {sorted(choices)}")
        return value
