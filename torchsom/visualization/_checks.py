"""Input checks of the plotting entry points: errors name the argument and what arrived."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from torchsom.exceptions import InvalidParameterError

__all__ = [
    "as_numeric",
    "check_curve",
    "check_result",
    "check_results_list",
    "check_save_path",
    "check_names",
    "check_positive_int",
]


def as_numeric(value: Any, name: str) -> np.ndarray:
    """``value`` (tensor, array, nested list) as a float64 NumPy array.

    Raises
    ------
    TypeError
        For strings, complex numbers or other non-real values.
    """
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must hold real numbers; got a {type(value).__name__}.")
    try:
        array = np.asarray(value)
    except ValueError as exc:  # ragged lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}.")
    return array.astype(np.float64)


def check_curve(values: Any, name: str) -> np.ndarray:
    """A non-empty 1-D sequence of numbers (one value per epoch)."""
    curve = as_numeric(values, name)
    if curve.ndim != 1:
        raise ValueError(
            f"{name} must be one value per epoch, shape (epochs,); got shape {curve.shape}."
        )
    if curve.size == 0:
        raise ValueError(f"{name} is empty; pass the per-epoch list returned by fit().")
    return curve


def check_result(result: Any, name: str = "cluster_result",
                 keys: Sequence[str] = ("labels",)) -> Mapping[str, Any]:
    """A result dict of ``SOM.cluster`` holding ``keys``."""
    if not isinstance(result, Mapping):
        raise TypeError(
            f"{name} must be the dict returned by som.cluster(); got {type(result).__name__}."
        )
    missing = [k for k in keys if k not in result]
    if missing:
        raise ValueError(
            f"{name} lacks the key(s) {missing}; pass the dict returned by som.cluster()."
        )
    return result


def check_results_list(results: Any, keys: Sequence[str]) -> list[Mapping[str, Any]]:
    """A non-empty list of ``SOM.cluster`` results, each holding ``keys``."""
    if isinstance(results, Mapping) or not isinstance(results, Sequence) or isinstance(
            results, str):
        raise TypeError(
            "results_list must be a list of dicts returned by som.cluster(); got "
            f"{type(results).__name__}."
        )
    if not results:
        raise ValueError("results_list is empty; pass the results of som.cluster().")
    for i, result in enumerate(results):
        check_result(result, f"results_list[{i}]", keys)
    return list(results)


def check_save_path(save_path: Any) -> None:
    """``None``, a string or a path."""
    if save_path is not None and not isinstance(save_path, (str, os.PathLike)):
        raise TypeError(
            f"save_path must be a folder path (str or pathlib.Path) or None; got "
            f"{type(save_path).__name__}."
        )


def check_names(names: Any, name: str) -> list[str]:
    """A list of names (not a single string)."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(
            f"{name} must be a list of strings, e.g. ['height', 'width']; got "
            f"{type(names).__name__}."
        )
    return [str(n) for n in names]


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An int >= ``minimum`` (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{name} must be an int >= {minimum}; got {value!r} of type "
            f"{type(value).__name__}."
        )
    if value < minimum:
        raise InvalidParameterError(f"{name} must be an int >= {minimum}; got {value!r}.")
    return int(value)
