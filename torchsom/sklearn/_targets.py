"""Checks of ``y`` for the supervised maps: class labels and regression targets.

Unlabelled rows (semi-supervised fits only) are marked by ``-1`` (numeric labels),
``NaN`` (float labels and targets) or ``None`` (object labels).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets

__all__ = ["encode_labels", "check_targets", "require_y"]


def require_y(y: Any, name: str) -> None:
    """Raise the scikit-learn error for a missing target."""
    if y is None:
        raise ValueError(
            f"This {name} estimator requires y to be passed, but the target y is None."
        )


def _as_array(y: Any) -> np.ndarray:
    if hasattr(y, "detach") and hasattr(y, "cpu"):  # a torch tensor
        y = y.detach().cpu().numpy()
    if hasattr(y, "to_numpy") and callable(y.to_numpy):  # pandas
        y = y.to_numpy()
    if isinstance(y, np.ndarray):
        return y
    # keep Python objects as they are: numpy would silently turn ["a", 1] into strings
    array = np.asarray(y, dtype=object)
    kinds = {type(value) for value in array.ravel()}
    if kinds and all(issubclass(kind, (numbers.Number, np.number)) for kind in kinds):
        return np.asarray(y)
    return array


def _check_length(y: np.ndarray, n_rows: int) -> None:
    if y.ndim == 0 or y.shape[0] != n_rows:
        got = y.shape[0] if y.ndim else "a scalar"
        raise ValueError(f"y has {got} entries but X has {n_rows} rows; they must match.")


def _missing(values: np.ndarray) -> np.ndarray:
    """Where object/float labels are NaN or None."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype == object:
        return np.array([v is None or (isinstance(v, float) and v != v) for v in values],
                        dtype=bool)
    return np.zeros(values.shape, dtype=bool)


def encode_labels(
    y: Any, n_rows: int, semi_supervised: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Validate class labels and code them.

    Returns
    -------
    codes : numpy.ndarray
        Shape (n_rows,), int64 index into ``classes`` or -1 for an unlabelled row.
    classes : numpy.ndarray
        Sorted distinct labels of the labelled rows.
    """
    labels = _as_array(y)
    _check_length(labels, n_rows)
    if labels.ndim == 2 and labels.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the "
            "shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning, stacklevel=3,
        )
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"y must have shape (n_samples,) with one label per row; got shape {labels.shape}"
            " (several outputs are not supported by this classifier)."
        )
    unlabelled = np.zeros(n_rows, dtype=bool)
    if semi_supervised:
        unlabelled = _missing(labels)
        if labels.dtype.kind in "iuf" or labels.dtype == object:
            with np.errstate(invalid="ignore"):
                unlabelled |= np.array([_is_minus_one(v) for v in labels], dtype=bool)
    elif labels.dtype.kind == "f" and np.isnan(labels).any():
        raise ValueError(
            "Input y contains NaN. Mark unlabelled rows only with semi_supervised=True."
        )
    if labels.dtype.kind == "f" and np.isinf(labels).any():
        raise ValueError("Input y contains infinity; class labels must be finite.")
    known = labels[~unlabelled]
    if known.size == 0:
        raise ValueError(
            "y has no labelled row: every entry is marked unlabelled (-1, NaN or None)."
        )
    if known.dtype == object:
        has_str = any(isinstance(v, str) for v in known)
        has_other = any(not isinstance(v, str) for v in known)
        if has_str and has_other:
            example_str = next(v for v in known if isinstance(v, str))
            example_other = next(v for v in known if not isinstance(v, str))
            raise ValueError(
                "y mixes strings and other values (for example "
                f"{example_str!r} and {example_other!r}); use labels of one kind."
            )
    check_classification_targets(known)
    classes, inverse = np.unique(known, return_inverse=True)
    codes = np.full(n_rows, -1, dtype=np.int64)
    codes[~unlabelled] = inverse.reshape(-1)
    return codes, classes


def _is_minus_one(value: Any) -> bool:
    return isinstance(value, (numbers.Number, np.number)) and not isinstance(value, bool) \
        and value == -1


def check_targets(y: Any, n_rows: int, semi_supervised: bool) -> tuple[np.ndarray, bool]:
    """Validate regression targets.

    Returns
    -------
    table : numpy.ndarray
        float64, shape (n_rows, n_outputs); NaN marks an unlabelled entry.
    one_d : bool
        Whether ``y`` was 1-D (predictions are then 1-D too).
    """
    values = _as_array(y)
    _check_length(values, n_rows)
    if values.dtype == object or values.dtype.kind not in "iuf":
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must hold numbers for regression; got dtype {values.dtype}."
            ) from None
    values = values.astype(np.float64, copy=False)
    if values.ndim not in (1, 2):
        raise ValueError(f"y must have shape (n_samples,) or (n_samples, n_outputs); got "
                         f"{values.shape}.")
    table = values.reshape(n_rows, -1)
    if np.isinf(table).any():
        raise ValueError("Input y contains infinity or a value too large for dtype('float64').")
    missing = np.isnan(table)
    if missing.any() and not semi_supervised:
        raise ValueError(
            f"Input y contains NaN ({int(missing.sum())} entries). NaN marks an unlabelled "
            "row only with semi_supervised=True."
        )
    if missing.all(axis=0).any():
        raise ValueError("y has no labelled row for at least one output: every entry is NaN.")
    return table, values.ndim == 1
