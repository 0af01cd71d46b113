"""Neuron positions on the grid: the one definition every part of torchsom reads.

Conventions
-----------
* A neuron is addressed by ``(row, col)`` with ``row`` in ``0..x-1`` and ``col`` in
  ``0..y-1``; its flat index is ``row * y + col`` (row-major).
* Rectangular grid: neuron ``(row, col)`` sits at ``(row, col)`` with unit spacing.
* Hexagonal grid, "odd-r": odd rows are shifted right by half a cell. Neuron
  ``(row, col)`` sits at horizontal position ``col + 0.5 * (row odd)`` and vertical
  position ``row * sqrt(3) / 2``, so all six neighbours are exactly 1 apart.

Positions are returned as ``(row_coordinate, col_coordinate)`` pairs, i.e. the vertical
coordinate first, matching the ``xx``/``yy`` attributes of the SOM.

Periodic boundaries (``pbc``) wrap each coordinate axis with the minimum-image rule. On a
hexagonal grid this is a true torus only when ``x`` (the number of rows) is even.
"""

from __future__ import annotations

import math

import torch

from torchsom.exceptions import InvalidParameterError

__all__ = [
    "TOPOLOGIES",
    "HEX_ROW_HEIGHT",
    "check_topology",
    "grid_positions",
    "grid_periods",
    "grid_distance_sq",
    "pairwise_grid_distance_sq",
    "adjacency_threshold",
    "display_positions",
]

TOPOLOGIES = ("rectangular", "hexagonal")
HEX_ROW_HEIGHT = math.sqrt(3.0) / 2.0


def check_topology(topology: str, x: int, pbc: bool) -> str:
    """Validate ``topology`` (and the hexagonal-torus row parity).

    Raises
    ------
    InvalidParameterError
        For an unknown topology, or a hexagonal torus with an odd number of rows.
    """
    if topology not in TOPOLOGIES:
        raise InvalidParameterError(
            "Only hexagonal and rectangular topologies are supported: "
            f"topology={topology!r} is not valid; expected one of 'hexagonal', 'rectangular'."
        )
    if topology == "hexagonal" and pbc and x % 2 == 1:
        raise InvalidParameterError(
            f"A hexagonal grid with pbc=True needs an even number of rows x, got x={x}: "
            "with odd-r rows an odd row count does not close into a torus."
        )
    return topology


def grid_positions(
    x: int,
    y: int,
    topology: str = "rectangular",
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the neuron positions as two tensors of shape (x, y).

    Returns
    -------
    row_coord, col_coord : torch.Tensor
        Vertical and horizontal positions of every neuron, shape (x, y).
    """
    rows = torch.arange(x, dtype=dtype, device=device).unsqueeze(1).expand(x, y)
    cols = torch.arange(y, dtype=dtype, device=device).unsqueeze(0).expand(x, y)
    if topology == "hexagonal":
        odd = (torch.arange(x, device=device) % 2).to(dtype).unsqueeze(1)
        return (rows * HEX_ROW_HEIGHT).contiguous(), (cols + 0.5 * odd).contiguous()
    return rows.contiguous(), cols.contiguous()


def grid_periods(x: int, y: int, topology: str) -> tuple[float, float]:
    """Return the periods (vertical, horizontal) used by periodic boundaries."""
    if topology == "hexagonal":
        return x * HEX_ROW_HEIGHT, float(y)
    return float(x), float(y)


def _wrap(delta: torch.Tensor, period: float) -> torch.Tensor:
    """Minimum-image wrap of coordinate differences."""
    return delta - period * torch.round(delta / period)


def grid_distance_sq(
    positions: torch.Tensor,
    sources: torch.Tensor,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Squared grid distances from some neurons to all neurons.

    Parameters
    ----------
    positions : torch.Tensor
        Shape (n_neurons, 2): the flattened (row_coord, col_coord) of every neuron.
    sources : torch.Tensor
        Shape (b,): flat indices of the source neurons.
    periods : tuple of float, optional
        Wrap periods for periodic boundaries; None for an open grid.

    Returns
    -------
    torch.Tensor
        Shape (b, n_neurons).
    """
    delta = positions[sources].unsqueeze(1) - positions.unsqueeze(0)
    if periods is not None:
        delta = torch.stack(
            (_wrap(delta[..., 0], periods[0]), _wrap(delta[..., 1], periods[1])), dim=-1
        )
    return (delta * delta).sum(dim=-1)


def pairwise_grid_distance_sq(
    positions: torch.Tensor, first: torch.Tensor, second: torch.Tensor,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Squared grid distance between paired neurons ``first[i]`` and ``second[i]``.

    Parameters
    ----------
    positions : torch.Tensor
        Shape (n_neurons, 2).
    first, second : torch.Tensor
        Shape (m,) (or any shape, the same for both): flat neuron indices.
    periods : tuple of float, optional
        Wrap periods for periodic boundaries.

    Returns
    -------
    torch.Tensor
        Shape of ``first``.
    """
    # one coordinate at a time with ``take``: 4x faster than gathering (m, 2) rows by
    # advanced indexing on 16384 × 10 pairs (torch 2.13, one thread)
    rows, cols = positions[:, 0].contiguous(), positions[:, 1].contiguous()
    d_row = rows.take(first) - rows.take(second)
    d_col = cols.take(first) - cols.take(second)
    if periods is not None:
        d_row, d_col = _wrap(d_row, periods[0]), _wrap(d_col, periods[1])
    return d_row * d_row + d_col * d_col


def adjacency_threshold(topology: str) -> float:
    """Largest grid distance at which two neurons count as adjacent.

    Rectangular grids use the 8-neighbourhood (diagonals at sqrt(2) are adjacent, the next
    ring starts at 2); hexagonal grids use the 6 neighbours at distance 1 (the next ring
    starts at sqrt(3)).
    """
    return 1.5 if topology == "rectangular" else 1.25


def display_positions(x: int, y: int, topology: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Drawing positions ``(horizontal, vertical)`` of every neuron, shape (x, y) each.

    Row 0 is at vertical position 0; plots invert the vertical axis so it is on top.
    """
    row_coord, col_coord = grid_positions(x, y, topology, dtype=torch.float64)
    return col_coord, row_coord
