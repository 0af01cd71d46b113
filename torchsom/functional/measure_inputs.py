"""The checked inputs every quality measure shares: codebook, samples, grid and search.

:mod:`torchsom.functional.quality` and :mod:`torchsom.functional.distortion` read their
arguments through these helpers, so a measure refuses bad input with the same message
whichever measure was asked, and every BMU search of a measure goes through
:func:`best_units` (the caller's search, or the exact search of the codebook).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom._validation import as_data
from torchsom.functional.metrics import BMUSearch, search_codebook
from torchsom.topology.coordinates import check_topology, grid_periods, grid_positions

__all__ = ["CrossDistance", "best_units", "checked_codebook", "checked_samples",
           "grid_of"]

#: ``(b, F) × (M, F) → (b, M)`` distance (see ``distances.cross_distance_for``)
CrossDistance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def checked_codebook(weights: torch.Tensor, measure: str, min_neurons: int = 1) -> torch.Tensor:
    """``weights`` (x, y, F) as a detached (x·y, F) codebook.

    Raises
    ------
    ValueError
        If ``weights`` is not a 3-D tensor, or has fewer than ``min_neurons`` neurons
        (``measure`` names the measure in the message).
    """
    if not isinstance(weights, torch.Tensor) or weights.dim() != 3:
        shape = tuple(weights.shape) if isinstance(weights, torch.Tensor) else type(weights)
        raise ValueError(
            f"weights must be a tensor of shape (x, y, num_features); got {shape}."
        )
    x, y, features = weights.shape
    if x * y < min_neurons:
        raise ValueError(
            f"{measure} needs a map with at least {min_neurons} neurons; weights has shape "
            f"{tuple(weights.shape)} ({x * y} neuron): a 1×1 map has no grid neighbours."
        )
    return weights.detach().reshape(x * y, features)


def checked_samples(data: object, weights: torch.Tensor) -> torch.Tensor:
    """``data`` as a finite (N, F) tensor of the codebook's dtype and device."""
    return as_data(data, name="data", num_features=weights.shape[2], dtype=weights.dtype,
                   device=weights.device)


def grid_of(weights: torch.Tensor, topology: str, pbc: bool,
            dtype: torch.dtype) -> tuple[torch.Tensor, tuple[float, float] | None]:
    """Neuron positions (x·y, 2) of the map of ``weights`` and its wrap periods."""
    x, y = int(weights.shape[0]), int(weights.shape[1])
    check_topology(topology, x, pbc)
    rows, cols = grid_positions(x, y, topology, dtype=dtype, device=weights.device)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)
    return positions, (grid_periods(x, y, topology) if pbc else None)


def best_units(samples: torch.Tensor, codebook: torch.Tensor, cross_distance: CrossDistance,
               k: int, search: BMUSearch | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` best units of every sample: by ``search`` when given (a map's own
    backend), else by the exact search of ``codebook``. Returns ``(distances, indices)``,
    each (N, k)."""
    return (search or search_codebook(codebook, cross_distance))(samples, k)
