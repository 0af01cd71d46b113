"""Neighbourhood kernels on squared grid distances.

Each registry entry can be called in two ways:

* ``kernel(dist_sq, sigma)``: element-wise on a tensor of squared grid distances of
  any shape. This is the form the engine uses, and the form a user-supplied callable
  must have.
* ``kernel(coord_distances_sq, bmu_indices, sigma, x, y)``: the older form, taking a
  (n_neurons, n_neurons) table and returning (b, x, y) for the given BMU flat indices.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom._registry import Registry

__all__ = [
    "NEIGHBORHOOD_FUNCTIONS",
    "gaussian",
    "mexican_hat",
    "bubble",
    "triangle",
    "is_separable",
    "elementwise",
    "gaussian_axis_factor",
]


def _two_forms(kernel: Callable[[torch.Tensor, float], torch.Tensor]):
    def wrapped(dist_sq: torch.Tensor, *args):
        if len(args) == 1:
            return kernel(dist_sq, float(args[0]))
        if len(args) == 4:
            bmu_indices, sigma, x, y = args
            rows = dist_sq[bmu_indices]
            return kernel(rows, float(sigma)).reshape(-1, int(x), int(y))
        raise TypeError(
            f"{kernel.__name__}() takes (dist_sq, sigma) or "
            f"(coord_distances_sq, bmu_indices, sigma, x, y); got {1 + len(args)} arguments."
        )

    wrapped.__name__ = kernel.__name__
    wrapped.__qualname__ = kernel.__name__
    wrapped.__doc__ = kernel.__doc__
    wrapped._elementwise = kernel  # type: ignore[attr-defined]
    return wrapped


def _gaussian(dist_sq: torch.Tensor, sigma: float) -> torch.Tensor:
    """``exp(-d² / (2σ²))``: 1 at the BMU."""
    return torch.exp(dist_sq * (-0.5 / (sigma * sigma)))


def _mexican_hat(dist_sq: torch.Tensor, sigma: float) -> torch.Tensor:
    """``(1 - d²/(4σ²)) · exp(-d²/(2σ²))``: 1 at the BMU, 0 at d = 2σ, negative beyond."""
    return (1.0 - dist_sq / (4.0 * sigma * sigma)) * torch.exp(dist_sq * (-0.5 / (sigma**2)))


def _bubble(dist_sq: torch.Tensor, sigma: float) -> torch.Tensor:
    """1 where ``d <= σ``, else 0."""
    return (dist_sq <= sigma * sigma).to(dist_sq.dtype)


def _triangle(dist_sq: torch.Tensor, sigma: float) -> torch.Tensor:
    """``max(σ - d, 0) / σ``."""
    return (sigma - dist_sq.clamp_min(0).sqrt()).clamp_min(0) / sigma


_gaussian.__name__ = "gaussian"
_mexican_hat.__name__ = "mexican_hat"
_bubble.__name__ = "bubble"
_triangle.__name__ = "triangle"

gaussian = _two_forms(_gaussian)
mexican_hat = _two_forms(_mexican_hat)
bubble = _two_forms(_bubble)
triangle = _two_forms(_triangle)

NEIGHBORHOOD_FUNCTIONS = Registry(
    "neighborhood function",
    {"gaussian": gaussian, "mexican_hat": mexican_hat, "bubble": bubble, "triangle": triangle},
)


def elementwise(
    kernel: Callable[..., torch.Tensor],
) -> Callable[[torch.Tensor, float], torch.Tensor]:
    """Return the element-wise ``(dist_sq, sigma)`` form of a kernel."""
    return getattr(kernel, "_elementwise", kernel)


def is_separable(kernel: Callable[..., torch.Tensor]) -> bool:
    """True for the gaussian, whose value factorises over the two grid axes."""
    return elementwise(kernel) is _gaussian


def gaussian_axis_factor(delta: torch.Tensor, sigma: float) -> torch.Tensor:
    """One axis factor of the separable gaussian: ``exp(-Δ² / (2σ²))``."""
    return torch.exp(delta * delta * (-0.5 / (sigma * sigma)))


