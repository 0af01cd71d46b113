"""What a saved SOM holds, and how a map is rebuilt from it.

A map file (the byte container of :mod:`torchsom.core.container`) holds two tensors:
``weights`` (x, y, num_features), the codebook in its own floating dtype, and
``generator_state`` (uint8), the state of the map's random generator, so that a loaded
map continues exactly as the original would have. Its metadata strings are ``format``
and ``format_version`` (the container's), ``torchsom_version``, ``class``, ``config``
(JSON of :meth:`SOM.get_params`, with registry functions stored by name), ``history``
(JSON of ``quantization_errors_``, ``topographic_errors_`` and ``epochs_trained_``; NaN
is stored as ``null``), ``user_metadata`` (optional: JSON of the ``metadata`` mapping
given to :func:`save_som`, for tools that store their own settings with the map) and the
container's ``checksum``.

The functions here use a map through its public attributes and its internal surface
(:class:`~torchsom.core.som.SOMInternals`, ``som.internals``); they never import the SOM
class: :func:`load_som` builds the class it is given. :mod:`torchsom.io` is the public
module, with :class:`torchsom.SOM` as the default class.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import torch

from torchsom._validation import resolve_device
from torchsom.core.container import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_DIM,
    as_path,
    check_byteorder,
    decode_json,
    describe,
    file_error,
    is_int,
    read_file,
    write_file,
)
from torchsom.core.parameters import SOM_PARAMETERS, validate_parameters, validate_settings
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.version import __version__

__all__ = ["save_som", "load_som", "read_metadata"]

_FUNCTION_REGISTRIES = {
    "distance_function": DISTANCE_FUNCTIONS,
    "neighborhood_function": NEIGHBORHOOD_FUNCTIONS,
    "lr_decay_function": DECAY_FUNCTIONS,
    "sigma_decay_function": DECAY_FUNCTIONS,
}
_HISTORY_LISTS = ("quantization_errors_", "topographic_errors_")


# ---------------------------------------------------------------------------- saving
# ---------------------------------------------------------------------------- saving
def _encode_config(som: Any) -> dict[str, Any]:
    """Constructor arguments as JSON values; registry functions become their names."""
    params = dict(som.get_params())
    params["device"] = str(som.weights.device)
    encoded: dict[str, Any] = {}
    for name, value in params.items():
        rule = SOM_PARAMETERS[name]
        if rule.kind == "function" and callable(value):
            registry = _FUNCTION_REGISTRIES[name]
            names = [key for key, fn in registry.items() if fn is value]
            if not names:
                label = getattr(value, "__name__", type(value).__name__)
                raise InvalidParameterError(
                    f"Cannot save this SOM: {name} is a custom callable ({label}), and a "
                    "saved map stores functions by name only (loading never runs code "
                    f"from a file). Use one of {sorted(registry)}, or save the weights "
                    "with state_dict() and rebuild the map with the same callable."
                )
            value = names[0]
        elif rule.kind == "int":
            value = int(value)
        elif rule.kind == "float":
            value = float(value)
        elif rule.kind == "bool":
            value = bool(value)
        elif rule.kind == "seed" and value is not None:
            value = int(value)
        encoded[name] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        try:
            validate_parameters(encoded)
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"Cannot save this SOM: its settings were changed to invalid values and "
                f"could not be loaded again: {exc}"
            ) from None
    return encoded


def _finite_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def save_som(som: Any, path: str | os.PathLike[str], metadata: Any = None, *,
             extra_metadata: dict[str, str] | None = None,
             extra_tensors: dict[str, torch.Tensor] | None = None) -> None:
    """Write ``som`` to ``path`` atomically (see the module docstring for what it holds).

    Parameters
    ----------
    som : SOM
        The map to save: configuration, weights, training history, generator state.
    path : str or os.PathLike
        Destination file. Its folder must exist; an existing file is replaced only once
        the new one is completely written.
    metadata : dict, optional
        Free-form settings stored with the map (JSON: str keys; str, finite numbers,
        bools, None, lists and dicts as values) and returned by :func:`read_metadata`
        under ``"metadata"``; e.g. the command line keeps its scaler and column names here.
    extra_metadata : dict of str, optional
        More metadata strings (a training checkpoint's position); loading ignores them.
        They cannot replace the standard entries.
    extra_tensors : dict of torch.Tensor, optional
        More tensors (a training checkpoint's state); loading ignores them.

    Raises
    ------
    InvalidParameterError
        If a function setting is a custom callable (only registry names can be stored),
        or a setting was changed to an invalid value.
    ValueError
        If the weights contain NaN or inf, or ``path`` is a special file (a device, a
        named pipe, a socket), which saving would replace.
    TypeError
        If ``metadata`` is not a dict of JSON values.
    FileNotFoundError, IsADirectoryError, PermissionError
        If ``path`` cannot be written.
    """
    check_byteorder()
    target = as_path(path)
    try:
        validate_settings(som)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"Cannot save this SOM: {exc}") from None
    config = _encode_config(som)
    extra = _encode_metadata(metadata)
    weights = som.weights.detach()
    if weights.dtype not in (torch.float64, torch.float32, torch.float16, torch.bfloat16):
        raise ValueError(f"Cannot save this SOM: its weights have dtype {weights.dtype}.")
    if not bool(torch.isfinite(weights).all()):
        raise ValueError(
            "Cannot save this SOM: its weights contain NaN or inf values, so the map is "
            "unusable; re-initialise and retrain it."
        )
    history = {
        "quantization_errors_": [_finite_or_none(v) for v in som.quantization_errors_],
        "topographic_errors_": [_finite_or_none(v) for v in som.topographic_errors_],
        "epochs_trained_": int(som.epochs_trained_),
    }
    tensors = {"weights": weights, "generator_state": som.internals.generator.get_state()}
    for name, tensor in (extra_tensors or {}).items():
        if name in tensors:
            raise ValueError(f"extra_tensors cannot replace the standard tensor {name!r}.")
        tensors[name] = tensor
    entries = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "torchsom_version": __version__,
        "class": type(som).__name__,
        "config": json.dumps(config, sort_keys=True),
        "history": json.dumps(history, allow_nan=False),
    }
    if extra is not None:
        entries["user_metadata"] = extra
    for key, value in (extra_metadata or {}).items():
        if key in entries or key == "checksum" or not isinstance(value, str):
            raise ValueError(f"extra_metadata entry {key!r} must be a new key with a str value.")
        entries[key] = value
    write_file(target, tensors, entries)


def _encode_metadata(metadata: Any) -> str | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None; got {type(metadata).__name__}.")
    try:
        return json.dumps(metadata, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"metadata must hold only JSON values (str keys; str, finite numbers, bools, "
            f"None, lists, dicts): {exc}"
        ) from None


# ---------------------------------------------------------------------------- loading
def _decode_config(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    stored = decode_json(path, meta, "config")
    unknown = sorted(set(stored) - set(SOM_PARAMETERS))
    if unknown:
        names = ", ".join(describe(name) for name in unknown[:5])
        raise file_error(path, f"its configuration has unknown settings [{names}].")
    config = {}
    for name, value in stored.items():
        if isinstance(value, (list, dict)) or (isinstance(value, str) and len(value) > 200):
            raise file_error(path, f"its configuration setting {name!r} is {describe(value)}, "
                                   "not a plain value (a number, a short string, true/false or "
                                   "null).")
    for name, rule in SOM_PARAMETERS.items():
        if name in stored:
            config[name] = stored[name]
        elif rule.default is None and name != "device":
            raise file_error(path, f"its configuration lacks the required setting {name!r}.")
        else:
            config[name] = rule.default
    return config


def _decode_history(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    stored = decode_json(path, meta, "history")
    history: dict[str, Any] = {}
    for key in _HISTORY_LISTS:
        values = stored.get(key, [])
        if not isinstance(values, list) or not all(
            v is None or isinstance(v, float) or is_int(v, -(2**53), 2**53) for v in values
        ):
            raise file_error(path, f"its history entry {key!r} is not a list of numbers.")
        history[key] = [float("nan") if v is None else float(v) for v in values]
    epochs = stored.get("epochs_trained_", len(history["quantization_errors_"]))
    if not is_int(epochs, 0, 2**62):
        raise file_error(path, f"its history entry 'epochs_trained_' is {describe(epochs)}, not an "
                               "int >= 0.")
    history["epochs_trained_"] = epochs
    return history


def _target_device(path: Path, stored: Any, map_location: Any) -> str:
    if map_location is not None:
        try:
            return resolve_device(map_location)
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"map_location must be None, 'cpu', 'cuda', 'cuda:N' or a torch.device "
                f"available here; got {map_location!r} ({exc})"
            ) from None
    try:
        return resolve_device(stored)
    except InvalidParameterError:
        warnings.warn(
            f"The SOM in '{path}' was saved on device {stored!r}, which is not available "
            "here; loading it on the CPU. Pass map_location to choose the device.",
            TorchSOMWarning,
            stacklevel=4,
        )
        return "cpu"


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read what a map file describes, without building the map.

    Returns
    -------
    dict
        ``format_version`` (int), ``torchsom_version`` (str), ``class`` (str),
        ``config`` (dict of constructor arguments), ``history`` (dict),
        ``weights_shape`` (tuple) and ``metadata`` (the dict given to :func:`save_som`,
        empty when none was).

    Raises
    ------
    SOMFileError
        If the file is not a valid map file.
    """
    source = as_path(path)
    meta, tensors = read_file(source)
    if "weights" not in tensors:
        raise file_error(source, "it holds no 'weights' tensor.")
    return {
        "format_version": int(meta["format_version"]),
        "torchsom_version": str(meta.get("torchsom_version", "")),
        "class": str(meta.get("class", "")),
        "config": _decode_config(source, meta),
        "history": _decode_history(source, meta),
        "weights_shape": tuple(tensors["weights"].shape),
        "metadata": decode_json(source, meta, "user_metadata")
        if "user_metadata" in meta else {},
    }


def load_som(path: str | os.PathLike[str], map_location: Any = None, *, cls: type) -> Any:
    """Load a map written by :func:`save_som` as an instance of ``cls``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    map_location : str or torch.device, optional
        Device of the loaded map. ``None`` uses the device it was saved on, falling back
        to the CPU (with a :class:`~torchsom.exceptions.TorchSOMWarning`) when that device
        is not available here.
    cls : type
        The class to build: :class:`torchsom.SOM` or a subclass (anything built from
        the saved constructor arguments that offers ``weights`` and ``internals``).

    Returns and raises as :func:`torchsom.io.load_som`, the public entry point.
    """
    source = as_path(path)
    meta, tensors = read_file(source)
    config = _decode_config(source, meta)
    history = _decode_history(source, meta)
    weights = tensors.get("weights")
    if weights is None:
        raise file_error(source, "it holds no 'weights' tensor.")
    for name in ("x", "y", "num_features"):
        if not is_int(config[name], 1, MAX_DIM):
            raise file_error(source, f"its configuration setting {name!r} is "
                                     f"{describe(config[name])}, not an int >= 1.")
    expected = (config["x"], config["y"], config["num_features"])
    if tuple(weights.shape) != expected or not weights.is_floating_point():
        raise file_error(
            source,
            f"its weights have shape {tuple(weights.shape)} and dtype {weights.dtype}, but "
            f"the configuration needs a floating tensor of shape {expected}.",
        )
    if not bool(torch.isfinite(weights).all()):
        raise file_error(source, "its weights contain NaN or inf values; the file is corrupt.")
    config["device"] = _target_device(source, config["device"], map_location)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        try:
            som = cls(**config)
        except InvalidParameterError as exc:
            raise file_error(source, f"its configuration is not valid: {exc}") from None
    if som.weights.dtype != weights.dtype:
        som.to(weights.dtype)
    with torch.no_grad():
        som.weights.copy_(weights.to(som.weights.device))
    state = tensors.get("generator_state")
    if state is not None:
        try:
            som.internals.generator.set_state(state.to(torch.uint8).clone())
        except (RuntimeError, ValueError, TypeError):
            raise file_error(source, "its generator_state tensor is not a valid state.") from None
    som.internals.weights_changed()
    som.quantization_errors_ = history["quantization_errors_"]
    som.topographic_errors_ = history["topographic_errors_"]
    som.epochs_trained_ = history["epochs_trained_"]
    return som
