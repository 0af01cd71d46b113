"""Neuron positions (rectangular and odd-r hexagonal), grid distances, periodic wrap
and the adjacency threshold."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.exceptions import InvalidParameterError
from torchsom.topology.coordinates import (
    adjacency_threshold,
    check_topology,
    grid_distance_sq,
    grid_periods,
    grid_positions,
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


def test_adjacency_threshold_separates_rings() -> None:
    assert math.sqrt(2) < adjacency_threshold("rectangular") < 2
    assert 1 < adjacency_threshold("hexagonal") < math.sqrt(3)
