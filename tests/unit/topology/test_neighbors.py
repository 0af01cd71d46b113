"""Neighbour tables and offsets by order, adjacency and periodic wrap."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.topology.coordinates import grid_positions
from torchsom.topology.neighbors import (
    get_all_neighbors_up_to_order,
    get_hexagonal_offsets,
    get_rectangular_offsets,
    neighbor_table,
    offsets_for_row,
)


def test_neighbor_table_without_neighbours() -> None:
    table = neighbor_table(2, 3, "rectangular", 0, pbc=False)
    assert table.shape == (6, 0) and table.dtype == torch.long


def _flat(x: int, y: int, topology: str) -> torch.Tensor:
    r, c = grid_positions(x, y, topology)
    return torch.stack((r.reshape(-1), c.reshape(-1)), 1)


@pytest.mark.parametrize("row", [2, 3])
def test_hexagonal_ring_one_is_at_unit_distance(row: int) -> None:
    x, y = 6, 6
    pos = _flat(x, y, "hexagonal")
    centre = row * y + 2
    for dr, dc in offsets_for_row(get_hexagonal_offsets(1), row):
        other = (row + dr) * y + 2 + dc
        assert float((pos[centre] - pos[other]).norm()) == pytest.approx(1.0, abs=1e-6)


def test_hexagonal_offset_lists_by_order() -> None:
    one = get_hexagonal_offsets(1)
    assert sorted(one["even"]) == [(-1, -1), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 0)]
    assert sorted(one["odd"]) == [(-1, 0), (-1, 1), (0, -1), (0, 1), (1, 0), (1, 1)]
    two = get_hexagonal_offsets(2)
    assert len(two["even"]) == 12 and len(set(two["even"])) == 12
    pos = _flat(9, 9, "hexagonal")
    centre = 4 * 9 + 4
    for dr, dc in two["even"]:
        dist = float((pos[centre] - pos[(4 + dr) * 9 + 4 + dc]).norm())
        assert dist == pytest.approx(2.0, abs=1e-5) or dist == pytest.approx(math.sqrt(3), 1e-5)


def test_rectangular_offsets_and_union() -> None:
    assert get_rectangular_offsets(1) == [
        (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)
    ]
    assert len(get_rectangular_offsets(2)) == 16
    assert len(get_all_neighbors_up_to_order("rectangular", 2)) == 24
    hexa = get_all_neighbors_up_to_order("hexagonal", 3)
    assert len(hexa["even"]) == len(hexa["odd"]) == 3 * 3 * 4
    assert get_all_neighbors_up_to_order("rectangular", 0) == []


def test_offsets_reject_bad_order_and_topology() -> None:
    with pytest.raises(ValueError, match="Neighborhood order must be >= 1"):
        get_rectangular_offsets(0)
    with pytest.raises(ValueError, match="topology='square'"):
        get_all_neighbors_up_to_order("square", 1)


def test_neighbor_table_open_and_periodic() -> None:
    table = neighbor_table(3, 3, "rectangular", 1, pbc=False)
    assert table.shape == (9, 8)
    assert sorted(t for t in table[0].tolist() if t >= 0) == [1, 3, 4]
    wrapped = neighbor_table(3, 3, "rectangular", 1, pbc=True)
    assert sorted(wrapped[4].tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]
    assert (wrapped[0] >= 0).all()
    assert neighbor_table(2, 2, "hexagonal", 1, pbc=False).shape == (4, 6)
