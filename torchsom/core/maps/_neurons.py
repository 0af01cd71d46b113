"""Neuron indexing shared by the maps and sample retrieval.

Flat neuron indices are row-major (``row * y + col``); maps are returned as (x, y).
"""

from __future__ import annotations

from typing import Any

import torch

from torchsom.functional import maps as F
from torchsom.topology.neighbors import neighbor_table

__all__ = ["Cell", "n_neurons", "cells", "to_grid", "neighbor_rows"]

#: a neuron's grid coordinates ``(row, col)``, as Python ints
Cell = tuple[int, int]


def n_neurons(som: Any) -> int:
    """Number of neurons of ``som`` (``x * y``)."""
    return som.x * som.y


def cells(som: Any, flat: torch.Tensor) -> list[Cell]:
    """Flat neuron indices as ``(row, col)`` tuples."""
    rows = (flat // som.y).tolist()
    cols = (flat % som.y).tolist()
    return list(zip(rows, cols))


def to_grid(som: Any, flat: torch.Tensor) -> torch.Tensor:
    """One value per neuron, (x·y,), as the (x, y) map."""
    return flat.reshape(som.x, som.y)


def neighbor_rows(som: Any, order: int) -> torch.Tensor:
    """Distinct neighbours up to ``order`` of every neuron, (n_neurons, k), -1 padded.

    Odd-r hexagonal neighbours on hexagonal grids, wrapped when ``pbc`` is on.
    """
    device = som.weights.device
    if order == 0:
        return torch.empty(n_neurons(som), 0, dtype=torch.long, device=device)
    raw = neighbor_table(som.x, som.y, som.topology, order, som.pbc, device=device)
    return F.dedupe_neighbors(raw)
