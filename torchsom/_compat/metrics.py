"""The ``calculate_*`` quality functions of earlier releases, as adapters.

Each takes the arguments of its old form and forwards to the one implementation:
the cluster scores to :mod:`torchsom.clustering.metrics`, the map errors to
:mod:`torchsom.functional.metrics` (exact search of the codebook given). Code that has a
map should ask the map (``som.quantization_error(data)``), whose search backend then
answers, as it does for every other question about best-matching units.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import torch

from torchsom.clustering.metrics import (
    calinski_harabasz_score,
    clustering_metrics,
    davies_bouldin_score,
    silhouette_score,
    topological_quality,
)
from torchsom.exceptions import TorchSOMWarning
from torchsom.functional.distances import cross_distance_for
from torchsom.functional.metrics import quantization_error, topographic_error
from torchsom.topology.coordinates import adjacency_threshold, grid_periods, grid_positions

__all__ = [
    "calculate_quantization_error",
    "calculate_topographic_error",
    "calculate_silhouette_score",
    "calculate_davies_bouldin_score",
    "calculate_calinski_harabasz_score",
    "calculate_topological_clustering_quality",
    "calculate_clustering_metrics",
]


def calculate_silhouette_score(data: Any, labels: Any) -> float:
    """Old name of :func:`~torchsom.clustering.silhouette_score`."""
    return silhouette_score(data, labels)


def calculate_davies_bouldin_score(data: Any, labels: Any) -> float:
    """Old name of :func:`~torchsom.clustering.davies_bouldin_score`."""
    return davies_bouldin_score(data, labels)


def calculate_calinski_harabasz_score(data: Any, labels: Any) -> float:
    """Old name of :func:`~torchsom.clustering.calinski_harabasz_score`."""
    return calinski_harabasz_score(data, labels)


def calculate_topological_clustering_quality(som: Any, labels: Any) -> float:
    """Old form of :func:`~torchsom.clustering.topological_quality`: the grid first.

    ``som`` is any object with ``x``, ``y``, ``topology`` and ``pbc`` attributes.
    """
    return topological_quality(labels, som.x, som.y, getattr(som, "topology", "rectangular"),
                               bool(getattr(som, "pbc", False)))


def calculate_clustering_metrics(data: Any, labels: Any, som: Any = None) -> dict[str, Any]:
    """Old form of :func:`~torchsom.clustering.clustering_metrics` (``som`` describes the
    grid)."""
    return clustering_metrics(data, labels, grid=som)


def _flat(data: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    codebook = weights.detach().reshape(-1, weights.shape[-1])
    return data.reshape(-1, weights.shape[-1]).to(codebook), codebook


def calculate_quantization_error(
    data: torch.Tensor, weights: torch.Tensor, distance_fn: Callable[..., torch.Tensor]
) -> float:
    """Mean distance from each sample (n, F) to its BMU in ``weights`` (x, y, F)."""
    samples, codebook = _flat(data, weights)
    return float(quantization_error(samples, codebook, cross_distance_for(distance_fn)))


def calculate_topographic_error(
    data: torch.Tensor,
    weights: torch.Tensor,
    distance_fn: Callable[..., torch.Tensor],
    topology: str = "rectangular",
    pbc: bool = False,
) -> float:
    """Share of samples whose two best units are not adjacent (a ratio in [0, 1]).

    Adjacent means the 8 surrounding cells on a rectangular grid and the 6 touching
    hexagons on a hexagonal grid. A 1×1 map gives NaN with a warning.
    """
    x, y = int(weights.shape[0]), int(weights.shape[1])
    if x * y == 1:
        warnings.warn("The topographic error is not defined for a 1-by-1 map.",
                      TorchSOMWarning, stacklevel=2)
        return math.nan
    samples, codebook = _flat(data, weights)
    rows, cols = grid_positions(x, y, topology, dtype=codebook.dtype, device=codebook.device)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), dim=1)
    periods = grid_periods(x, y, topology) if pbc else None
    return float(topographic_error(samples, codebook, cross_distance_for(distance_fn),
                                   positions, adjacency_threshold(topology), periods))
