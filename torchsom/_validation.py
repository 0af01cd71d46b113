"""The input checkers used at every public entry point.

Public methods call these once, at the boundary; internal kernels assume valid input.

Why one module of this size: it holds one idea, turning what a user passed into a checked
value or an error that names the argument, and it is the only place that does so (the
project's rule). Most of it is the data path (:func:`as_data`, :func:`as_target`): every
array-like kind (tensor, ndarray, masked array, DataFrame, nested list), dtype, shape,
finiteness, magnitude and missing-value rule, with the messages that go with them. The
scalar and device checks are small and share its message style; splitting them off would
give two modules with the same job.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
import torch

from torchsom.exceptions import FeatureCountError, InvalidParameterError

__all__ = [
    "as_data",
    "check_missing",
    "as_target",
    "check_int",
    "check_positive_float",
    "check_bool",
    "resolve_device",
]


def _to_tensor(value: Any, name: str) -> torch.Tensor:
    """Turn an array-like (tensor, ndarray, DataFrame, list) into a tensor, without copying
    where possible; reject non-numeric kinds with a TypeError that names ``name``."""
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        if isinstance(value, np.ma.MaskedArray):
            value = _unmasked(value, name)
        if hasattr(value, "to_numpy") and callable(value.to_numpy):  # pandas
            value = value.to_numpy()
        if isinstance(value, (list, tuple)):
            value = _sequence_to_array(value, name)
        if isinstance(value, torch.Tensor):
            tensor = value
        elif not isinstance(value, np.ndarray):
            raise TypeError(
                f"{name} must be a torch.Tensor, numpy array, pandas DataFrame or list of "
                f"numbers; got {type(value).__name__}."
            )
        else:
            tensor = _array_to_tensor(value, name)
    if tensor.requires_grad:  # a SOM never differentiates through its input
        tensor = tensor.detach()
    if tensor.layout != torch.strided:
        raise TypeError(
            f"{name} must be a dense tensor; got layout {tensor.layout}. "
            "Convert it first with .to_dense()."
        )
    if tensor.device.type == "meta":
        raise ValueError(
            f"{name} is a meta tensor (shape {tuple(tensor.shape)} but no values); pass a "
            "tensor that holds data."
        )
    if tensor.dtype == torch.bool or tensor.is_complex() or not (
        tensor.is_floating_point() or tensor.dtype in _INT_DTYPES
    ):
        raise TypeError(
            f"{name} must hold real numbers (float or int); got dtype {tensor.dtype}. "
            "Convert it first, e.g. with .float()."
        )
    return tensor


def _unmasked(value: np.ma.MaskedArray, name: str) -> np.ndarray:
    """The values of a masked array that has no masked entry; refuse one that has some
    (a mask is not read, so masked entries would be used as ordinary values)."""
    masked = int(np.ma.count_masked(value))
    if masked:
        raise ValueError(
            f"{name} is a masked numpy array with {masked} masked entr"
            f"{'y' if masked == 1 else 'ies'}; masks are not read, so the hidden values would "
            "be used. Impute them (e.g. data.filled(fill_value)) or drop those rows "
            "(numpy.ma.compress_rows(data)) first."
        )
    return np.ma.getdata(value)


def _array_to_tensor(value: np.ndarray, name: str) -> torch.Tensor:
    if value.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (float or int); got numpy dtype "
            f"{value.dtype}. Convert it first, e.g. with .astype('float32')."
        )
    if value.dtype.kind == "f" and value.dtype.itemsize > 8:  # long double: no torch dtype
        value = _long_double_as_float64(value, name)
    with warnings.catch_warnings():
        # read-only arrays (pandas copy-on-write views, memory maps) are never written
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(np.ascontiguousarray(value))


def _long_double_as_float64(value: np.ndarray, name: str) -> np.ndarray:
    """A long-double array as float64, refusing values beyond float64's range."""
    with np.errstate(over="ignore", invalid="ignore"):
        narrowed = value.astype(np.float64)
    overflow = int((np.isinf(narrowed) & np.isfinite(value)).sum())
    if overflow:
        raise ValueError(
            f"{name} has {overflow} long-double ({value.dtype}) value(s) beyond the float64 "
            f"range ({np.finfo(np.float64).max:.3g}); rescale the data first."
        )
    return narrowed


def _sequence_to_array(value: list[Any] | tuple[Any, ...], name: str) -> Any:
    """A list or tuple as a tensor (when it holds tensors only) or a numpy array.

    Rows given as tensors are detached first (a SOM never differentiates through its
    input), so lists of tensors that require grad are accepted.
    """
    if value and all(isinstance(row, torch.Tensor) for row in value):
        shapes = {tuple(row.shape) for row in value}
        if len(shapes) > 1:
            raise ValueError(
                f"{name} must be a rectangular array of numbers; got a ragged "
                f"{type(value).__name__} of tensors with shapes {sorted(shapes)[:3]}."
            )
        rows = [row.detach() for row in value]
        if len({row.device for row in rows}) > 1:
            rows = [row.cpu() for row in rows]
        return torch.stack(rows)
    rows = [_plain(row) for row in value]
    try:
        return np.asarray(rows)
    except ValueError as exc:  # ragged lists
        raise ValueError(
            f"{name} must be a rectangular array of numbers; got a ragged "
            f"{type(value).__name__}: {exc}"
        ) from None


def _plain(item: Any) -> Any:
    """A tensor (or a list holding tensors) inside a list, as numpy values."""
    if isinstance(item, torch.Tensor):
        item = item.detach().cpu()
        return (item.float() if item.dtype == torch.bfloat16 else item).numpy()
    if isinstance(item, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in item):
        return [_plain(v) if isinstance(v, torch.Tensor) else v for v in item]
    return item


_INT_DTYPES = {torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64} | {
    getattr(torch, kind) for kind in ("uint16", "uint32", "uint64") if hasattr(torch, kind)
}


def as_data(
    data: Any,
    *,
    name: str = "data",
    num_features: int | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
    allow_1d: bool = True,
    missing_values: str = "error",
    max_missing_fraction: float = 1.0,
) -> torch.Tensor:
    """Check ``data`` and return it as a 2-D tensor of shape (n_samples, num_features).

    Parameters
    ----------
    data : array-like
        A tensor, numpy array, pandas DataFrame or nested list. A 1-D input is one
        sample when ``allow_1d`` is true.
    name : str
        Argument name used in error messages.
    num_features : int, optional
        Expected number of columns.
    dtype : torch.dtype
        Floating dtype of the result.
    device : torch.device or str
        Device of the result.
    allow_1d : bool
        Accept a single sample of shape (num_features,).
    missing_values : {"error", "ignore"}
        ``"ignore"`` accepts NaN as a missing value (see :func:`check_missing`).
    max_missing_fraction : float
        With ``"ignore"``: the largest share of NaN a row may hold.

    Returns
    -------
    torch.Tensor
        Shape (n_samples, num_features), contiguous, finite (or NaN where missing).

    Raises
    ------
    TypeError
        For non-numeric input.
    ValueError
        For a wrong number of dimensions or features, empty input, NaN or inf.
    """
    tensor = _to_tensor(data, name)
    if tensor.dim() == 1 and tensor.shape[0] == 0:
        raise ValueError(
            f"{name} is empty (shape (0,)); at least one sample with at least one feature "
            "is needed."
        )
    if tensor.dim() == 1 and allow_1d:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 2:
        expected = "(n_samples, num_features)" + (" or (num_features,)" if allow_1d else "")
        raise ValueError(
            f"{name} must have shape {expected}; got {tensor.dim()}-D shape {tuple(tensor.shape)}."
        )
    if tensor.shape[0] == 0 or tensor.shape[1] == 0:
        raise ValueError(
            f"{name} is empty (shape {tuple(tensor.shape)}); at least one sample with at "
            "least one feature is needed."
        )
    if num_features is not None and tensor.shape[1] != num_features:
        raise FeatureCountError(
            f"{name} must have {num_features} features (shape (n_samples, {num_features})); "
            f"got shape {tuple(tensor.shape)} with {tensor.shape[1]} features."
        )
    # a conversion to a narrower dtype would turn large finite values into inf: check the
    # values in their own dtype first, so the error says what really happened
    narrowing = _largest(tensor.dtype) > torch.finfo(dtype).max
    if narrowing:
        wide = tensor if tensor.is_floating_point() else tensor.to(torch.float64)
        peak = _peak(wide, name, missing_values, max_missing_fraction)
        if peak > torch.finfo(dtype).max:
            raise ValueError(
                f"{name} has values up to {peak:.3g} in magnitude, beyond the largest "
                f"{dtype} value ({torch.finfo(dtype).max:.3g}), the dtype of this map: they "
                "would overflow to inf. Use a float64 map (som.double()) or rescale the "
                "data (standardise it)."
            )
    tensor = tensor.to(device=device, dtype=dtype)
    if not tensor.is_contiguous():
        tensor = tensor.contiguous()
    if not narrowing:
        peak = _peak(tensor, name, missing_values, max_missing_fraction)
    limit = magnitude_limit(tensor.dtype, tensor.shape[1])
    if peak > limit:
        raise ValueError(
            f"{name} has values up to {peak:.3g} in magnitude: with {tensor.shape[1]} "
            f"features, squared distances in {tensor.dtype} overflow beyond {limit:.3g}. "
            "Standardise the data first (or use a float64 map, e.g. som.double())."
        )
    return tensor


def _largest(dtype: torch.dtype) -> float:
    return float(torch.finfo(dtype).max if dtype.is_floating_point else torch.iinfo(dtype).max)


def _peak(
    tensor: torch.Tensor,
    name: str,
    missing_values: str = "error",
    max_missing_fraction: float = 1.0,
) -> float:
    """Largest magnitude of a floating ``tensor``; NaN/inf raise the counting error, except
    NaN as a missing value with ``missing_values="ignore"`` (see :func:`check_missing`)."""
    low, high = torch.aminmax(tensor)  # checks finiteness and range without a copy
    peak = max(-float(low), float(high))
    if not math.isfinite(peak) and missing_values == "ignore":
        check_missing(tensor, name, max_missing_fraction)
        peak = float(torch.nan_to_num(tensor, nan=0.0).abs().max())
    if not math.isfinite(peak):
        _check_finite(tensor, name)
    return peak


def magnitude_limit(dtype: torch.dtype, num_features: int) -> float:
    """Largest absolute value whose squared distances over ``num_features`` features
    (``‖w‖² − 2 x·w + ‖x‖²``, about ``4 F M²``) stay finite in ``dtype``."""
    return math.sqrt(torch.finfo(dtype).max / (4.0 * max(1, num_features)))


def _check_finite(tensor: torch.Tensor, name: str) -> None:
    """Raise a ValueError that counts NaN/inf values and names the first bad row."""
    finite = torch.isfinite(tensor)
    if bool(finite.all()):
        return
    n_nan = int(torch.isnan(tensor).sum())
    n_inf = int(torch.isinf(tensor).sum())
    first_row = int((~finite).reshape(tensor.shape[0], -1).any(dim=1).nonzero()[0, 0])
    parts = []
    if n_nan:
        parts.append(f"{n_nan} NaN")
    if n_inf:
        parts.append(f"{n_inf} inf")
    raise ValueError(
        f"{name} contains {' and '.join(parts)} value(s); the first is in row {first_row}. "
        "Impute or drop them first: a SOM cannot train on or map non-finite values."
    )


def as_target(
    target: Any,
    *,
    n_samples: int,
    name: str = "target",
    device: torch.device | str = "cpu",
    data_name: str = "data",
) -> torch.Tensor:
    """Check ``target`` against ``n_samples`` rows of ``data_name`` and return a tensor.

    Values are kept exactly: integer, float32 and float64 targets keep their dtype;
    float16 and bfloat16 targets become float32.

    Raises
    ------
    TypeError
        For non-numeric targets.
    ValueError
        For a length mismatch or non-finite values.
    """
    tensor = _to_tensor(target, name)
    if tensor.dim() == 0 or tensor.dim() > 2:
        raise ValueError(
            f"{name} must have shape (n_samples,) or (n_samples, n_outputs); got shape "
            f"{tuple(tensor.shape)}."
        )
    if tensor.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {tensor.shape[0]} entr{'y' if tensor.shape[0] == 1 else 'ies'} but "
            f"{data_name} has {n_samples} sample{'' if n_samples == 1 else 's'}; "
            "they must match."
        )
    if tensor.is_floating_point():
        if tensor.dtype not in (torch.float32, torch.float64):
            tensor = tensor.to(dtype=torch.float32)
        if tensor.numel():
            _check_finite(tensor.reshape(tensor.shape[0], -1), name)
    return tensor.to(device)


def check_int(name: str, value: Any, minimum: int) -> int:
    """Return ``value`` if it is an int ≥ ``minimum`` (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{name} must be an int >= {minimum}; got {value!r} of type {type(value).__name__}."
        )
    if value < minimum:
        raise InvalidParameterError(f"{name} must be an int >= {minimum}; got {value!r}.")
    return int(value)


def check_positive_float(name: str, value: Any) -> float:
    """Return ``value`` as float if it is a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"{name} must be a real number > 0; got {value!r} of type {type(value).__name__}."
        )
    if not math.isfinite(value) or value <= 0:
        raise InvalidParameterError(f"{name} must be a finite real number > 0; got {value!r}.")
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(
            f"{name} must be True or False; got {value!r} of type {type(value).__name__}."
        )
    return bool(value)


def resolve_device(device: Any) -> str:
    """Resolve ``device`` (None means "cuda if available") to a device string, checking
    that the device exists on this machine.

    Raises
    ------
    InvalidParameterError
        If the device string is not understood, is of a kind a SOM does not run on, or
        is not available here (no CUDA, a CUDA index past the last GPU, no MPS).
    """
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise InvalidParameterError(
            f"device must be None, 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device; got "
            f"{device!r}."
        ) from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise InvalidParameterError(
                f"device={device!r} was requested but CUDA is not available on this "
                "machine; use device='cpu' or device=None."
            )
        count = torch.cuda.device_count()
        if parsed.index is not None and parsed.index >= count:
            raise InvalidParameterError(
                f"device={device!r} was requested but this machine has {count} CUDA "
                f"device(s) (cuda:0 to cuda:{count - 1}); use one of them or device=None."
            )
    elif parsed.type == "mps":
        if not _mps_available():
            raise InvalidParameterError(
                f"device={device!r} was requested but MPS (the Apple-silicon GPU) is not "
                "available on this machine; use device='cpu' or device=None."
            )
    elif parsed.type != "cpu":
        raise InvalidParameterError(
            f"device must be 'cpu' or 'cuda'; got {device!r} (type {parsed.type!r}). "
            "'cuda:N' and, on Apple silicon, 'mps' are accepted too."
        )
    return str(parsed)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def check_missing(tensor: torch.Tensor, name: str, max_missing_fraction: float) -> None:
    """Accept NaN as missing values in ``tensor`` (n, F), within limits.

    Raises
    ------
    ValueError
        For any infinite value, for a row with no observed value (naming it), or for rows
        whose share of NaN exceeds ``max_missing_fraction`` (giving their count).
    """
    n_inf = int(torch.isinf(tensor).sum())
    if n_inf:
        row = int(torch.isinf(tensor).any(dim=1).nonzero()[0, 0])
        raise ValueError(
            f"{name} contains {n_inf} inf value(s); the first is in row {row}. Infinite "
            "values are never accepted (only NaN counts as a missing value)."
        )
    missing = torch.isnan(tensor).sum(dim=1)
    features = tensor.shape[1]
    empty = (missing == features).nonzero()
    if empty.numel():
        raise ValueError(
            f"{name} row {int(empty[0, 0])} is entirely NaN ({empty.shape[0]} such row(s) "
            "in all): a row needs at least one observed value. Drop these rows first."
        )
    over = (missing > max_missing_fraction * features).nonzero()
    if over.numel():
        raise ValueError(
            f"{name} has {over.shape[0]} row(s) with more than max_missing_fraction="
            f"{max_missing_fraction:g} of their {features} features missing (NaN); the "
            f"first is row {int(over[0, 0])}. Drop those rows, or raise max_missing_fraction."
        )
