"""Discrete neighbour offsets by order, in the odd-r hexagonal convention.

Order ``k`` is the ring of cells at grid distance exactly ``k``: the Chebyshev ring on
rectangular grids (8k cells) and the hexagonal ring on hexagonal grids (6k cells).
Hexagonal offsets depend on the parity of the centre row, so they come as a dict
``{"even": [...], "odd": [...]}`` of ``(d_row, d_col)`` pairs.

The number of offsets grows with the square of the order, but on a given grid rings past
the largest grid distance (:func:`largest_useful_order`) reach no cell (or, on a torus,
only cells already reached), so everything that works on a grid caps the order there.
"""

from __future__ import annotations

import torch

from torchsom.exceptions import InvalidParameterError

__all__ = [
    "get_rectangular_offsets",
    "get_hexagonal_offsets",
    "get_all_neighbors_up_to_order",
    "offsets_for_row",
    "neighbor_table",
    "largest_useful_order",
]

# Axial directions, walked in this order around a hexagonal ring.
_AXIAL_DIRECTIONS = ((1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1))


def _check_order(order: int) -> None:
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise InvalidParameterError(f"Neighborhood order must be >= 1; got {order!r}.")


def largest_useful_order(x: int, y: int, topology: str) -> int:
    """The largest neighbour order that still reaches a new cell of an ``x × y`` grid.

    It is the largest grid distance between two cells: ``max(x, y) - 1`` rings on a
    rectangular grid (Chebyshev rings) and at most ``x + y - 2`` on a hexagonal one (at
    least 1, so a 1×1 grid keeps order 1). Rings past it fall off an open grid and, on a
    torus, wrap onto cells that nearer rings already reached.
    """
    if topology == "hexagonal":
        return max(1, int(x) + int(y) - 2)
    return max(1, max(int(x), int(y)) - 1)


def get_rectangular_offsets(order: int) -> list[tuple[int, int]]:
    """Offsets ``(d_row, d_col)`` with ``max(|d_row|, |d_col|) == order``, row-major."""
    _check_order(order)
    return [
        (dr, dc)
        for dr in range(-order, order + 1)
        for dc in range(-order, order + 1)
        if max(abs(dr), abs(dc)) == order
    ]


def _axial_to_offset_delta(dq: int, dr: int, row_parity: int) -> tuple[int, int]:
    """Convert an axial displacement into a ``(d_row, d_col)`` offset for odd-r rows."""
    # offset col = q + (row - (row & 1)) // 2  →  d_col = dq + floor((p+dr)/2) - floor(p/2)
    return dr, dq + (row_parity + dr) // 2 - row_parity // 2


def get_hexagonal_offsets(order: int) -> dict[str, list[tuple[int, int]]]:
    """The hexagonal ring of radius ``order`` for even and odd centre rows (odd-r).

    The ring starts at the neighbour below-left of the centre (row 0 drawn at the top)
    and walks once around it; this fixed order is the order of retrieval results.
    """
    _check_order(order)
    ring: list[tuple[int, int]] = []
    dq, dr = _AXIAL_DIRECTIONS[4][0] * order, _AXIAL_DIRECTIONS[4][1] * order
    for direction in _AXIAL_DIRECTIONS:
        for _ in range(order):
            ring.append((dq, dr))
            dq, dr = dq + direction[0], dr + direction[1]
    return {
        "even": [_axial_to_offset_delta(q, r, 0) for q, r in ring],
        "odd": [_axial_to_offset_delta(q, r, 1) for q, r in ring],
    }


def get_all_neighbors_up_to_order(
    topology: str, max_order: int
) -> list[tuple[int, int]] | dict[str, list[tuple[int, int]]]:
    """Concatenate the offsets of orders ``1..max_order`` (empty for ``max_order == 0``)."""
    if topology == "rectangular":
        out: list[tuple[int, int]] = []
        for order in range(1, max_order + 1):
            out.extend(get_rectangular_offsets(order))
        return out
    if topology == "hexagonal":
        both: dict[str, list[tuple[int, int]]] = {"even": [], "odd": []}
        for order in range(1, max_order + 1):
            ring = get_hexagonal_offsets(order)
            both["even"].extend(ring["even"])
            both["odd"].extend(ring["odd"])
        return both
    raise InvalidParameterError(
        f"topology={topology!r} is not valid; expected one of 'hexagonal', 'rectangular'."
    )


def offsets_for_row(
    offsets: list[tuple[int, int]] | dict[str, list[tuple[int, int]]], row: int
) -> list[tuple[int, int]]:
    """Pick the offset list that applies to a centre on ``row``."""
    if isinstance(offsets, dict):
        return offsets["odd" if row % 2 else "even"]
    return offsets


def neighbor_table(
    x: int, y: int, topology: str, order: int, pbc: bool, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """Flat indices of every neuron's neighbours up to ``order``.

    ``order`` is capped at :func:`largest_useful_order` (farther rings add no
    neighbour), so the cost is bounded by the grid whatever the order.

    Returns
    -------
    torch.Tensor
        Shape (x * y, k), int64; entries are -1 where a neighbour falls off an open grid.
        Column order follows the offset order. With ``pbc`` neighbours wrap around.
    """
    order = min(order, largest_useful_order(x, y, topology)) if order > 0 else order
    offsets = get_all_neighbors_up_to_order(topology, order)
    even = offsets_for_row(offsets, 0)
    odd = offsets_for_row(offsets, 1)
    rows = torch.arange(x).unsqueeze(1).expand(x, y).reshape(-1)
    cols = torch.arange(y).unsqueeze(0).expand(x, y).reshape(-1)
    if not even:
        return torch.empty(x * y, 0, dtype=torch.long, device=device)
    d_even = torch.tensor(even, dtype=torch.long)
    d_odd = torch.tensor(odd, dtype=torch.long)
    deltas = torch.where((rows % 2 == 1).view(-1, 1, 1), d_odd.unsqueeze(0), d_even.unsqueeze(0))
    nr = rows.unsqueeze(1) + deltas[..., 0]
    nc = cols.unsqueeze(1) + deltas[..., 1]
    if pbc:
        nr, nc = nr % x, nc % y
        table = nr * y + nc
    else:
        inside = (nr >= 0) & (nr < x) & (nc >= 0) & (nc < y)
        table = torch.where(inside, nr * y + nc, torch.full_like(nr, -1))
    return table.to(device)
