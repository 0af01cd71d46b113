"""Settings of ``torchsom fit``: command-line flags over a TOML or YAML file over defaults.

The flags of the map's settings come from the one table of hyperparameters
(:data:`torchsom.core.parameters.SOM_PARAMETERS`): the same names in kebab case, the
same choices. A settings file is a flat table of the same names in snake case, plus the
data options ``columns``, ``drop``, ``target`` and ``scale``::

    x = 20
    y = 30
    epochs = 50
    topology = "hexagonal"
    drop = ["id"]
    target = "species"
"""

from __future__ import annotations

import argparse
import difflib
import os
from pathlib import Path
from typing import Any

from torchsom.cli.errors import CLIError

__all__ = ["SOM_OPTIONS", "DATA_OPTIONS", "add_som_flags", "read_settings_file",
           "fit_settings", "complete_map_settings"]

#: the map's settings the command line can set (every constructor argument but the
#: feature count, which comes from the data)
SOM_OPTIONS = ("x", "y", "epochs", "batch_size", "sigma", "learning_rate", "topology",
               "algorithm", "neighborhood_function", "distance_function",
               "lr_decay_function", "sigma_decay_function", "initialization_mode",
               "neighborhood_order", "pbc", "search_backend", "device", "random_seed")
#: data options a settings file may hold, with their defaults
DATA_OPTIONS: dict[str, Any] = {"columns": None, "drop": [], "target": None,
                                "scale": "standard"}
#: defaults of the command line that differ from the constructor's (and x, y and sigma:
#: see :func:`complete_map_settings`)
CLI_DEFAULTS: dict[str, Any] = {"initialization_mode": "pca"}

_HELP = {
    "x": "rows of the map (default: chosen from the data, see below)",
    "y": "columns of the map (default: chosen from the data, see below)",
    "epochs": "passes over the data",
    "batch_size": "samples per update (minibatch algorithm)",
    "sigma": "initial neighbourhood width, in grid units (default here: max(x, y) / 4)",
    "learning_rate": "initial learning rate",
    "topology": "grid geometry",
    "algorithm": "training rule: minibatch, or Kohonen's batch map (fast on big data)",
    "neighborhood_function": "neighbourhood kernel",
    "distance_function": "distance between samples and neurons",
    "lr_decay_function": "learning-rate schedule",
    "sigma_decay_function": "neighbourhood-width schedule",
    "initialization_mode": "initial codebook (default here: pca)",
    "neighborhood_order": "neighbour rings of the U-matrix",
    "pbc": "periodic boundaries (a torus)",
    "search_backend": "best-matching-unit search",
    "device": "cpu, cuda, cuda:N (default: cuda if available)",
    "random_seed": "seed of the map's random generator",
}


def add_som_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--x``, ``--epochs``, ``--topology`` … (one flag per :data:`SOM_OPTIONS`)."""
    from torchsom.core.parameters import SOM_PARAMETERS

    group = parser.add_argument_group("map settings (default: the SOM constructor's)")
    for name in SOM_OPTIONS:
        rule = SOM_PARAMETERS[name]
        flag = "--" + name.replace("_", "-")
        extra = ["--seed"] if name == "random_seed" else []
        if rule.kind == "bool":
            group.add_argument(flag, *extra, dest=name, action="store_true", default=None,
                               help=_HELP[name])
            continue
        kind = {"int": int, "float": float, "seed": int}.get(rule.kind, str)
        kwargs: dict[str, Any] = {"choices": rule.choices} if rule.choices else {}
        default = CLI_DEFAULTS.get(name, rule.default)
        shown = f" (default: {default})" if default is not None and name not in (
            "x", "y", "sigma", "initialization_mode") else ""
        group.add_argument(flag, *extra, dest=name, type=kind, default=None,
                           metavar=name.upper() if not rule.choices else None,
                           help=_HELP[name] + shown, **kwargs)


def _load_toml(path: Path) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _load_yaml(path: Path) -> Any:
    from torchsom._optional import import_optional

    yaml = import_optional("yaml", "Reading YAML settings files")
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def read_settings_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings in a ``.toml``, ``.yaml`` or ``.yml`` file.

    Raises
    ------
    CLIError
        If the file is missing, unparsable, not a flat table, or has an unknown key.
    ImportError
        For YAML files when PyYAML is not installed.
    """
    source = Path(path)
    if not source.is_file():
        raise CLIError(f"--config {str(source)!r}: no such file.")
    suffix = source.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise CLIError(f"--config {str(source)!r}: expected a .toml, .yaml or .yml file.")
    try:
        settings = _load_toml(source) if suffix == ".toml" else _load_yaml(source)
    except ImportError:
        raise
    except Exception as exc:  # each parser has its own error types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CLIError(f"--config {str(source)!r} cannot be parsed: {first}") from None
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise CLIError(f"--config {str(source)!r} must be a table of settings "
                       "(name = value), not a list or a value.")
    known = (*SOM_OPTIONS, *DATA_OPTIONS)
    for key, value in settings.items():
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise CLIError(f"--config {str(source)!r}: unknown setting {key!r}.{hint} "
                           f"Known settings: {', '.join(known)}.")
        if isinstance(value, dict):
            raise CLIError(f"--config {str(source)!r}: setting {key!r} must be a value, "
                           "not a table.")
    for key in ("columns", "drop"):
        if key in settings:
            value = settings[key]
            if isinstance(value, str):
                settings[key] = _split(value)
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CLIError(f"--config {str(source)!r}: {key} must be a list of column "
                               f"names; got {value!r}.")
    return settings


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _names(values: list[str] | None) -> list[str] | None:
    """``--columns a,b --columns c`` → ``["a", "b", "c"]``."""
    if values is None:
        return None
    return [name for value in values for name in _split(value)]


def fit_settings(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """The map's constructor arguments and the data options of ``torchsom fit``.

    Each value comes from its flag if given, else from ``--config``, else from the
    default.

    Returns
    -------
    som_kwargs : dict
        Constructor arguments (without ``num_features``).
    data_options : dict
        ``columns``, ``drop``, ``target``, ``scale``.

    Raises
    ------
    CLIError
        For a bad settings file.

    Notes
    -----
    ``x`` and ``y`` given nowhere are ``None``, and so is ``sigma``: they depend on the
    data and are filled in by :func:`complete_map_settings` once it is scaled.
    """
    from torchsom.core.parameters import SOM_PARAMETERS

    file_settings = read_settings_file(args.config) if args.config else {}
    som_kwargs: dict[str, Any] = {}
    for name in SOM_OPTIONS:
        value = getattr(args, name, None)
        if value is None:
            value = file_settings.get(name, CLI_DEFAULTS.get(name, SOM_PARAMETERS[name].default))
        som_kwargs[name] = value
    if args.sigma is None and "sigma" not in file_settings:
        som_kwargs["sigma"] = None  # a quarter of the larger side, once the size is known
    flags = {"columns": _names(args.columns), "drop": _names(args.drop),
             "target": args.target, "scale": args.scale}
    data_options = {name: flags[name] if flags[name] is not None else
                    file_settings.get(name, default) for name, default in DATA_OPTIONS.items()}
    return som_kwargs, data_options


def complete_map_settings(som_kwargs: dict[str, Any], data: Any) -> dict[str, Any]:
    """Fill in the settings that depend on the data: ``x``, ``y`` and ``sigma``.

    A side that is ``None`` is chosen from ``data`` (the scaled training features, shape
    (n_rows, n_features)) by :func:`torchsom.sklearn._map_size.complete_map_size`: both
    left out give ``torchsom.suggest_map_size``; with one given, the other makes about
    ``5 · n_rows^0.54321`` neurons. A ``sigma`` of ``None`` becomes a quarter of the
    larger side.

    Returns
    -------
    dict
        A copy of ``som_kwargs`` with ``x``, ``y`` and ``sigma`` set.

    Raises
    ------
    InvalidParameterError
        For an ``x`` or ``y`` that is neither ``None`` nor an int >= 1.
    """
    from torchsom.sklearn._map_size import complete_map_size

    filled = dict(som_kwargs)
    filled["x"], filled["y"] = complete_map_size(
        data, filled.get("x"), filled.get("y"),
        topology=filled.get("topology", "rectangular"), pbc=filled.get("pbc", False))
    if "sigma" in filled and filled["sigma"] is None:
        # a neighbourhood a quarter of the map wide orders the map; the constructor's 1.0
        # leaves large maps tangled (topographic errors of 60 % and more)
        filled["sigma"] = max(filled["x"], filled["y"]) / 4.0
    return filled
