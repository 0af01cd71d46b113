"""Map quality measures computed from BMU search results.

* Quantization error (QE): the mean distance from each sample to its BMU, in the SOM's
  own distance metric.
* Topographic error (TE): the fraction of samples whose first and second BMUs are not
  adjacent on the grid (8-neighbourhood on rectangular grids, 6 on hexagonal grids,
  across the wrap when ``pbc`` is on).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom.functional.bmu import topk_bmus
from torchsom.topology.coordinates import pairwise_grid_distance_sq

__all__ = ["non_adjacent", "quantization_error", "topographic_error"]


def non_adjacent(
    first: torch.Tensor,
    second: torch.Tensor,
    positions: torch.Tensor,
    threshold: float,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Boolean mask, shape (m,): True where ``first[i]`` and ``second[i]`` are not adjacent."""
    return pairwise_grid_distance_sq(positions, first, second, periods) > threshold * threshold


def quantization_error(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """Mean BMU distance, a 0-d tensor. ``data`` (n, F), ``codebook`` (n_neurons, F)."""
    dist, _ = topk_bmus(data, codebook, cross_distance, k=1)
    return dist.mean()


def topographic_error(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    positions: torch.Tensor,
    threshold: float,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Fraction of samples whose two best units are not adjacent, a 0-d tensor in [0, 1]."""
    _, idx = topk_bmus(data, codebook, cross_distance, k=2)
    return non_adjacent(idx[:, 0], idx[:, 1], positions, threshold, periods).float().mean()
