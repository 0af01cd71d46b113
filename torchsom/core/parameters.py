"""The one declaration of the SOM's hyperparameters: defaults, types and rules.

Everything that knows a hyperparameter reads it from :data:`SOM_PARAMETERS`:

* the defaults of :class:`torchsom.SOM`'s constructor and its checks
  (:func:`validate_parameters`, re-run by :func:`validate_settings` before training and
  saving);
* the fields, defaults and checks of :class:`torchsom.configs.SOMConfig`;
* the command line's flags (:mod:`torchsom.cli.settings`) and the saved-map schema
  (:mod:`torchsom.io`);
* the table of ``docs/parameters.md`` (:func:`parameter_table`).

``tests/unit/core/test_parameters.py`` checks that the constructor's signature and
docstring, ``SOMConfig`` and the documentation page agree with it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import torch

from torchsom._registry import check_choice
from torchsom._validation import check_bool, check_int, check_positive_float, resolve_device
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.search import SEARCH_BACKENDS
from torchsom.topology.coordinates import TOPOLOGIES, check_topology, grid_positions

__all__ = ["Parameter", "SOM_PARAMETERS", "DEFAULTS", "KINDS", "ALGORITHMS",
           "INITIALIZATION_MODES", "MAX_NEIGHBORHOOD_ORDER", "MISSING_VALUES",
           "check_parameter", "check_combinations", "validate_parameters",
           "validate_settings", "parameter_table"]

ALGORITHMS = ("minibatch", "batch", "online")
MISSING_VALUES = ("error", "ignore")
#: largest accepted neighborhood_order: far beyond any useful one (maps and retrieval cap
#: the order at the grid's largest distance), it only keeps absurd values out of files
MAX_NEIGHBORHOOD_ORDER = 1_000_000
INITIALIZATION_MODES = ("random", "pca")
_MAX_SEED = 2**64 - 1  # the range torch.Generator.manual_seed accepts

#: kind of a parameter → its type as the documentation writes it
KINDS = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "choice": "str",
    "function": "str or callable",
    "device": "str or torch.device",
    "seed": "int or None",
}


@dataclass(frozen=True)
class Parameter:
    """One hyperparameter: its default, the rule it must satisfy and what it means.

    Attributes
    ----------
    default : object
        The constructor's default; ``None`` for the required ``x``, ``y`` and
        ``num_features`` (see ``required``) and for ``device`` ("cuda if available").
    kind : str
        One of :data:`KINDS`: how the value is checked.
    summary : str
        What the parameter means, in one line (documentation table, ``SOMConfig`` field
        descriptions).
    minimum, maximum : int, optional
        Bounds of an ``int`` (inclusive); ``maximum`` of a ``float`` (inclusive, the
        lower bound of a float is always "> 0").
    choices : tuple of str
        The names a ``choice`` or ``function`` parameter accepts.
    phrase : str, optional
        Leading phrase kept from older error messages.
    required : bool
        True for the arguments without a default.
    """

    default: Any
    kind: str
    summary: str = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    phrase: str | None = None
    required: bool = False

    @property
    def type_text(self) -> str:
        """The type, as the documentation writes it."""
        return KINDS[self.kind]

    @property
    def allowed_text(self) -> str:
        """The values the rule accepts, in words (for the documentation table)."""
        if self.kind == "int":
            upper = f" and <= {self.maximum:,}" if self.maximum is not None else ""
            return f">= {self.minimum}{upper}"
        if self.kind == "float":
            return "finite, > 0" + (f" and <= {self.maximum}" if self.maximum is not None
                                    else "")
        if self.kind == "bool":
            return "True, False"
        if self.kind in ("choice", "function"):
            names = ", ".join(f"`{name!r}`" for name in self.choices)
            return names + (", or a callable" if self.kind == "function" else "")
        if self.kind == "device":
            return "None (cuda if available), `'cpu'`, `'cuda'`, `'cuda:N'`, `'mps'`"
        return "an int in [0, 2**64 - 1], or None (a fresh random seed)"


def _function(default: str, summary: str, registry: Any, phrase: str) -> Parameter:
    return Parameter(default, "function", summary, choices=tuple(registry), phrase=phrase)


#: every constructor argument of :class:`torchsom.SOM`, in signature order
SOM_PARAMETERS: dict[str, Parameter] = {
    "x": Parameter(None, "int", "number of grid rows", minimum=1, required=True),
    "y": Parameter(None, "int", "number of grid columns", minimum=1, required=True),
    "num_features": Parameter(None, "int", "dimension of the input vectors", minimum=1,
                              required=True),
    "epochs": Parameter(10, "int", "passes over the data made by fit", minimum=1),
    "batch_size": Parameter(5, "int", "samples per update of the mini-batch rule",
                            minimum=1),
    "sigma": Parameter(1.0, "float", "initial neighbourhood width, in grid units"),
    "learning_rate": Parameter(0.5, "float", "initial learning rate"),
    "neighborhood_order": Parameter(
        1, "int", "neighbour rings of the U-matrix, the classification tie-break and "
        "sample retrieval", minimum=1, maximum=MAX_NEIGHBORHOOD_ORDER),
    "topology": Parameter("rectangular", "choice", "grid geometry (hexagonal: odd-r rows)",
                          choices=TOPOLOGIES,
                          phrase="Only hexagonal and rectangular topologies are supported"),
    "lr_decay_function": _function("asymptotic_decay", "learning-rate schedule",
                                   DECAY_FUNCTIONS, "Invalid learning rate decay function"),
    "sigma_decay_function": _function("asymptotic_decay", "neighbourhood-width schedule",
                                      DECAY_FUNCTIONS, "Invalid sigma decay function"),
    "neighborhood_function": _function("gaussian", "neighbourhood kernel",
                                       NEIGHBORHOOD_FUNCTIONS,
                                       "Invalid neighborhood function"),
    "distance_function": _function("euclidean", "distance between samples and neurons",
                                   DISTANCE_FUNCTIONS, "Invalid distance function"),
    "initialization_mode": Parameter("random", "choice", "default mode of "
                                     "initialize_weights", choices=INITIALIZATION_MODES),
    "pbc": Parameter(False, "bool", "periodic boundaries (a torus)"),
    "search_backend": Parameter("auto", "choice", "best-matching-unit search of every "
                                "query on a built map", choices=SEARCH_BACKENDS),
    "device": Parameter(None, "device", "where the codebook lives"),
    "random_seed": Parameter(42, "seed", "seed of the map's own random generator"),
    "algorithm": Parameter("minibatch", "choice", "training rule", choices=ALGORITHMS),
    "missing_values": Parameter("error", "choice", "NaN in data: rejected, or missing "
                                "values", choices=MISSING_VALUES),
    "max_missing_fraction": Parameter(
        1.0, "float", "the largest share of a row's features that may be missing",
        maximum=1),
}
#: the constructor's default of every parameter (``None`` for the required ones)
DEFAULTS: dict[str, Any] = {name: rule.default for name, rule in SOM_PARAMETERS.items()}


def check_parameter(name: str, value: Any) -> None:
    """Check one hyperparameter against its rule in :data:`SOM_PARAMETERS`.

    Rules that involve several parameters are in :func:`check_combinations`.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, the value and what is allowed.
    """
    rule = SOM_PARAMETERS[name]
    if rule.kind == "int":
        check_int(name, value, rule.minimum or 0)
        if rule.maximum is not None and value > rule.maximum:
            raise InvalidParameterError(
                f"{name} must be an int in [{rule.minimum}, {rule.maximum}]; got {value!r}."
            )
    elif rule.kind == "float":
        check_positive_float(name, value)
        if rule.maximum is not None and value > rule.maximum:
            raise InvalidParameterError(
                f"{name} must be in (0, {rule.maximum}] ({rule.summary}); got {value!r}."
            )
    elif rule.kind == "bool":
        check_bool(name, value)
    elif rule.kind == "choice" or (rule.kind == "function" and not callable(value)):
        check_choice(name, value, rule.choices, rule.phrase)
    elif rule.kind == "seed" and value is not None:
        if check_int(name, value, 0) > _MAX_SEED:
            raise InvalidParameterError(
                f"{name} must be an int in [0, 2**64 - 1] (or None); got {value!r}."
            )
    elif rule.kind == "device":
        resolve_device(value)


def check_combinations(values: dict[str, Any], *, warn: bool = True) -> None:
    """The rules that involve several hyperparameters.

    ``values`` holds at least ``x``, ``y``, ``topology``, ``pbc``, ``sigma``,
    ``distance_function``, ``neighborhood_function``, ``algorithm`` and
    ``missing_values``, each already valid on its own. ``warn=False`` skips the advisory
    warning about a sigma larger than the map.

    Raises
    ------
    InvalidParameterError
        For a hexagonal torus with an odd number of rows, ``missing_values="ignore"``
        with a distance other than the euclidean one, or the mexican-hat neighbourhood
        with the batch rule.
    """
    x, y = values["x"], values["y"]
    check_topology(values["topology"], x, values["pbc"])
    diagonal = math.sqrt(x * x + y * y)
    if warn and values["sigma"] > diagonal:
        warnings.warn(
            f"sigma={values['sigma']} is larger than the map diagonal ({diagonal:.3g}): "
            "sigma might be too high for the dimension of the map; a value around "
            "max(x, y) / 4 usually works.",
            TorchSOMWarning,
            stacklevel=4,
        )
    distance = values["distance_function"]
    euclidean = distance == "euclidean" or distance is DISTANCE_FUNCTIONS["euclidean"]
    if values.get("missing_values", "error") == "ignore" and not euclidean:
        raise InvalidParameterError(
            f"missing_values='ignore' needs distance_function='euclidean' (distances over "
            f"the observed features are rescaled euclidean ones); got {distance!r}."
        )
    if values["neighborhood_function"] == "mexican_hat" and values["algorithm"] == "batch":
        raise InvalidParameterError(
            "neighborhood_function='mexican_hat' cannot be used with algorithm='batch': "
            "its negative weights make the batch rule's weighted average undefined; use "
            "'gaussian', 'bubble' or 'triangle', or algorithm='minibatch'."
        )


def validate_parameters(values: dict[str, Any], *, warn: bool = True) -> None:
    """Check every hyperparameter in ``values`` against :data:`SOM_PARAMETERS`.

    Each value is checked on its own (:func:`check_parameter`), then together
    (:func:`check_combinations`). The device is not checked here: the map resolves it
    where it is built (construction, or ``load``'s ``map_location``). ``warn=False``
    skips the advisory warnings (e.g. a sigma larger than the map), for re-checks of
    settings that were already warned about at construction.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, the value and what is allowed.
    """
    for name, rule in SOM_PARAMETERS.items():
        if rule.kind != "device":
            check_parameter(name, values[name])
    check_combinations(values, warn=warn)
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


def _shown_default(name: str, rule: Parameter) -> str:
    if rule.required:
        return "required"
    if name == "device":
        return "None"
    return f"`{rule.default!r}`"


def parameter_table() -> str:
    """The Markdown table of every hyperparameter, as ``docs/parameters.md`` shows it.

    Returns
    -------
    str
        One header row, one separator row and one row per parameter, newline-terminated.
    """
    lines = ["| parameter | type | default | allowed values | meaning |",
             "|---|---|---|---|---|"]
    for name, rule in SOM_PARAMETERS.items():
        lines.append(f"| `{name}` | {rule.type_text} | {_shown_default(name, rule)} | "
                     f"{rule.allowed_text} | {rule.summary} |")
    return "\n".join(lines) + "\n"
