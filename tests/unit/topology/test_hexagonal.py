"""The 1.x hexagonal coordinate helpers: offset, axial and cube coordinates."""

from __future__ import annotations

import math

import pytest

from torchsom.topology.hexagonal import (
    axial_to_cube_coords,
    axial_to_offset_coords,
    cube_to_axial_coords,
    grid_to_display_coords,
    hexagonal_distance_offset,
    neighbors_axial,
    neighbors_offset,
    offset_to_axial_coords,
)


def test_hex_coordinate_conversions_round_trip() -> None:
    for row in range(4):
        for col in range(4):
            q, r = offset_to_axial_coords(row, col)
            assert axial_to_offset_coords(q, r) == (row, col)
            assert cube_to_axial_coords(*axial_to_cube_coords(q, r)) == (q, r)
            for nr, nc in neighbors_offset(row, col):
                assert hexagonal_distance_offset(row, col, nr, nc) == 1
    assert len(neighbors_axial(0, 0)) == 6
    assert grid_to_display_coords(0, 1) == pytest.approx((math.sqrt(3), 0.0))
    assert grid_to_display_coords(1, 0) == pytest.approx((math.sqrt(3) / 2, 1.5))
