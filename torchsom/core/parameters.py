"""The one table of SOM hyperparameters: defaults and constraints.

It drives :class:`torchsom.SOM` validation and :class:`torchsom.configs.SOMConfig`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

from torchsom._registry import check_choice
from torchsom._validation import check_bool, check_int, check_positive_float
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.search import SEARCH_BACKENDS
from torchsom.topology.coordinates import TOPOLOGIES, check_topology

__all__ = ["Parameter", "SOM_PARAMETERS", "ALGORITHMS", "INITIALIZATION_MODES",
           "MISSING_VALUES", "validate_parameters"]

ALGORITHMS = ("minibatch", "batch", "online")
MISSING_VALUES = ("error", "ignore")
INITIALIZATION_MODES = ("random", "pca")
_MAX_SEED = 2**64 - 1  # the range torch.Generator.manual_seed accepts


@dataclass(frozen=True)
class Parameter:
    """One hyperparameter: its default and the rule it must satisfy."""

    default: Any
    kind: str  # "int", "float", "bool", "choice", "function", "device", "seed"
    minimum: int | None = None
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
    "neighborhood_order": Parameter(1, "int", minimum=1),
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


def validate_parameters(values: dict[str, Any]) -> None:
    """Check every hyperparameter in ``values`` against :data:`SOM_PARAMETERS`.

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
    if values["sigma"] > diagonal:
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
