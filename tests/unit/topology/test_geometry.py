"""Grid positions, neighbour offsets and periodic wrap."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.exceptions import InvalidParameterError
from torchsom.topology import (
    adjacency_threshold,
    check_topology,
    get_all_neighbors_up_to_order,
    get_hexagonal_offsets,
    get_rectangular_offsets,
    grid_distance_sq,
    grid_periods,
    grid_positions,
    neighbor_table,
    offsets_for_row,
)

H = math.sqrt(3) / 2


def _flat(x: int, y: int, topology: str) -> torch.Tensor:
    r, c = grid_positions(x, y, topology)
    return torch.stack((r.reshape(-1), c.reshape(-1)), 1)


def test_rectangular_positions_are_indices() -> None:
    r, c = grid_positions(2, 3, "rectangular")
    assert r.tolist() == [[0, 0, 0], [1, 1, 1]]
    assert c.tolist() == [[0, 1, 2], [0, 1, 2]]


def test_hexagonal_positions_are_odd_r() -> None:
    r, c = grid_positions(3, 2, "hexagonal")
    assert torch.allclose(r, torch.tensor([[0, 0], [H, H], [2 * H, 2 * H]]))
    assert c.tolist() == [[0.0, 1.0], [0.5, 1.5], [0.0, 1.0]]


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


def test_periodic_wrap_shortens_corner_distances() -> None:
    pos = _flat(10, 10, "rectangular")
    corner = torch.tensor([0])
    open_d = grid_distance_sq(pos, corner)[0, 99]
    wrapped = grid_distance_sq(pos, corner, grid_periods(10, 10, "rectangular"))[0, 99]
    assert float(open_d) == pytest.approx(162.0)
    assert float(wrapped) == pytest.approx(2.0)


def test_hexagonal_torus_neighbours_across_the_seam() -> None:
    x, y = 4, 5
    pos = _flat(x, y, "hexagonal")
    periods = grid_periods(x, y, "hexagonal")
    # row 3 (odd) col 4: its lower-right neighbour wraps to row 0, col 0
    d = grid_distance_sq(pos, torch.tensor([3 * y + 4]), periods)[0, 0]
    assert float(d) == pytest.approx(1.0, abs=1e-5)


def test_hexagonal_torus_needs_even_rows() -> None:
    with pytest.raises(InvalidParameterError, match="even number of rows"):
        check_topology("hexagonal", 5, True)
    assert check_topology("hexagonal", 5, False) == "hexagonal"
    with pytest.raises(InvalidParameterError, match="Only hexagonal and rectangular"):
        check_topology("triangular", 5, False)


def test_neighbor_table_open_and_periodic() -> None:
    table = neighbor_table(3, 3, "rectangular", 1, pbc=False)
    assert table.shape == (9, 8)
    assert sorted(t for t in table[0].tolist() if t >= 0) == [1, 3, 4]
    wrapped = neighbor_table(3, 3, "rectangular", 1, pbc=True)
    assert sorted(wrapped[4].tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]
    assert (wrapped[0] >= 0).all()
    assert neighbor_table(2, 2, "hexagonal", 1, pbc=False).shape == (4, 6)


def test_adjacency_threshold_separates_rings() -> None:
    assert math.sqrt(2) < adjacency_threshold("rectangular") < 2
    assert 1 < adjacency_threshold("hexagonal") < math.sqrt(3)
