"""Feature-space distances between samples and codebook vectors.

Two forms are provided for each metric:

* ``DISTANCE_FUNCTIONS[name](data, weights)``: data of shape (b, F) against a codebook
  of shape (x, y, F) → (b, x, y). This is the registry form (and the form a user-supplied
  callable must have).
* ``cross_distance(name)(data, codebook)``: data (b, F) against a flat codebook (n, F)
  → (b, n). Used internally by the chunked BMU search.

``PAIRWISE_DISTANCE_FUNCTIONS[name](a, b)`` compares rows: (m, F) with (m, F) → (m,).

Cosine distance is ``1 - cos`` and lies in [0, 2]. Only rounding below 0 is clipped (equal
vectors can give ``-1e-7``); anti-correlated vectors keep their distinct values up to 2.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom._registry import Registry

__all__ = [
    "DISTANCE_FUNCTIONS",
    "PAIRWISE_DISTANCE_FUNCTIONS",
    "CROSS_DISTANCE_FUNCTIONS",
    "euclidean_cross",
    "cross_distance_for",
]

_EPS = 1e-12


def euclidean_cross(data: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Euclidean distances, (b, F) × (n, F) → (b, n), via one matrix product."""
    sq = torch.addmm(
        (codebook * codebook).sum(1).unsqueeze(0), data, codebook.T, beta=1.0, alpha=-2.0
    )
    sq.add_((data * data).sum(1, keepdim=True))
    return sq.clamp_(min=0.0).sqrt_()


#: dtypes ``torch.cdist`` has no kernel for: computed in float32, returned in their dtype
_HALF_DTYPES = (torch.float16, torch.bfloat16)


def _cdist(data: torch.Tensor, codebook: torch.Tensor, p: float) -> torch.Tensor:
    if data.dtype in _HALF_DTYPES:
        return torch.cdist(data.float(), codebook.float(), p=p).to(data.dtype)
    return torch.cdist(data, codebook, p=p)


def manhattan_cross(data: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Manhattan (L1) distances, (b, F) × (n, F) → (b, n).

    float16 and bfloat16 inputs are computed in float32 and returned in their dtype.
    """
    return _cdist(data, codebook, 1.0)


def chebyshev_cross(data: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Chebyshev (L∞) distances, (b, F) × (n, F) → (b, n).

    float16 and bfloat16 inputs are computed in float32 and returned in their dtype.
    """
    return _cdist(data, codebook, float("inf"))


def cosine_cross(data: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Cosine distances ``1 - cos``, (b, F) × (n, F) → (b, n), in [0, 2] (rounding below 0
    clipped)."""
    a = data / data.norm(dim=1, keepdim=True).clamp_min(_EPS)
    b = codebook / codebook.norm(dim=1, keepdim=True).clamp_min(_EPS)
    return (1.0 - a @ b.T).clamp_(min=0.0)


CROSS_DISTANCE_FUNCTIONS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "euclidean": euclidean_cross,
    "cosine": cosine_cross,
    "manhattan": manhattan_cross,
    "chebyshev": chebyshev_cross,
}


def _grid_form(cross: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], name: str):
    def distance(data: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        x, y, features = weights.shape
        squeeze = data.dim() == 1
        flat = cross(data.reshape(-1, features), weights.reshape(x * y, features))
        out = flat.reshape(-1, x, y)
        return out[0] if squeeze else out

    distance.__name__ = f"{name}_distance"
    distance.__qualname__ = distance.__name__
    distance.__doc__ = (
        f"{name.capitalize()} distance between data (b, F) and a codebook (x, y, F) → (b, x, y)."
    )
    distance._cross = cross  # type: ignore[attr-defined]
    return distance


def _pairwise_euclidean(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).norm(dim=-1)


def _pairwise_manhattan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).abs().sum(dim=-1)


def _pairwise_chebyshev(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).abs().amax(dim=-1)


def _pairwise_cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    na = a.norm(dim=-1).clamp_min(_EPS)
    nb = b.norm(dim=-1).clamp_min(_EPS)
    return (1.0 - (a * b).sum(dim=-1) / (na * nb)).clamp(min=0.0)


DISTANCE_FUNCTIONS = Registry(
    "distance function",
    {name: _grid_form(fn, name) for name, fn in CROSS_DISTANCE_FUNCTIONS.items()},
)

PAIRWISE_DISTANCE_FUNCTIONS = Registry(
    "pairwise distance function",
    {
        "euclidean": _pairwise_euclidean,
        "cosine": _pairwise_cosine,
        "manhattan": _pairwise_manhattan,
        "chebyshev": _pairwise_chebyshev,
    },
)


def cross_distance_for(
    distance_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Return a (b, F) × (n, F) → (b, n) form of a registry or user distance function.

    A user callable is called as ``distance_fn(data (b, F), weights (1, n, F))`` and must
    return a real tensor of shape (b, 1, n) (or (b, n)) on the data's device, finite
    everywhere. Anything else raises an error that names the callable, what it was given
    and what it returned: a result of another shape (a transposed one included, unless
    ``b == n`` makes it indistinguishable), NaN or inf values, or no tensor at all.
    """
    cross = getattr(distance_fn, "_cross", None)
    if cross is not None:
        return cross
    label = (getattr(distance_fn, "__qualname__", None) or getattr(distance_fn, "__name__", None)
             or type(distance_fn).__name__)

    def adapted(data: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
        b, n = data.shape[0], codebook.shape[0]
        weights = codebook.unsqueeze(0)
        out = distance_fn(data, weights)
        given = (f"given data of shape {tuple(data.shape)} and weights of shape "
                 f"{tuple(weights.shape)}")
        if not isinstance(out, torch.Tensor) or out.dtype == torch.bool or out.is_complex():
            kind = out.dtype if isinstance(out, torch.Tensor) else type(out).__name__
            raise TypeError(
                f"distance_function {label!r} must return a real torch.Tensor of shape "
                f"(n_samples, x, y); {given} it returned {kind}."
            )
        if tuple(out.shape) not in ((b, 1, n), (b, n)):
            raise ValueError(
                f"distance_function {label!r} must return shape (n_samples, x, y) = "
                f"({b}, 1, {n}); {given} it returned shape {tuple(out.shape)}."
            )
        if out.device != data.device:
            raise ValueError(
                f"distance_function {label!r} must return a tensor on the data's device "
                f"({data.device}); it returned one on {out.device}."
            )
        finite = torch.isfinite(out)
        if not bool(finite.all()):
            n_nan = int(torch.isnan(out).sum())
            raise ValueError(
                f"distance_function {label!r} returned {n_nan} NaN and "
                f"{int((~finite).sum()) - n_nan} inf value(s) among its {out.numel()} "
                "distances; every distance must be a finite number."
            )
        return out.reshape(b, n)

    return adapted
