"""The hexagonal coordinate helpers of earlier releases (_compat/hexagonal.py) keep the
call signatures, the values and the neighbour orders of the 1.3 reference (section 4.5)."""

from __future__ import annotations

import inspect
import math

import pytest

from torchsom._compat import hexagonal
from torchsom.utils.hexagonal_coordinates import (
    axial_to_cube_coords,
    axial_to_offset_coords,
    cube_to_axial_coords,
    grid_to_display_coords,
    hexagonal_distance_axial,
    hexagonal_distance_offset,
    neighbors_axial,
    neighbors_offset,
    offset_to_axial_coords,
)

# the signatures of torchsom 1.3's torchsom.utils.hexagonal_coordinates
SIGNATURES_1_3 = {
    offset_to_axial_coords: ["row", "col"],
    axial_to_offset_coords: ["q", "r"],
    axial_to_cube_coords: ["q", "r"],
    cube_to_axial_coords: ["x", "z"],
    hexagonal_distance_axial: ["q1", "r1", "q2", "r2"],
    hexagonal_distance_offset: ["row1", "col1", "row2", "col2"],
    grid_to_display_coords: ["row", "col", "hex_radius"],
    neighbors_offset: ["row", "col"],
    neighbors_axial: ["q", "r"],
}


@pytest.mark.parametrize("function", list(SIGNATURES_1_3), ids=lambda f: f.__name__)
def test_signatures_are_those_of_1_3(function) -> None:
    params = inspect.signature(function).parameters
    assert list(params) == SIGNATURES_1_3[function]
    if function is grid_to_display_coords:
        assert params["hex_radius"].default == 1.0


def test_keyword_calls_of_1_3_work() -> None:
    assert offset_to_axial_coords(row=3, col=2) == (1, 3)
    assert axial_to_offset_coords(q=1, r=3) == (3, 2)
    assert axial_to_cube_coords(q=1, r=3) == (1, -4, 3)
    assert cube_to_axial_coords(x=1, z=3) == (1, 3)
    assert hexagonal_distance_axial(q1=0, r1=0, q2=2, r2=-1) == 2
    assert hexagonal_distance_offset(row1=0, col1=0, row2=2, col2=2) == 3
    assert grid_to_display_coords(row=0, col=1, hex_radius=2) == pytest.approx(
        (2 * math.sqrt(3), 0.0))


def test_reference_values() -> None:
    assert grid_to_display_coords(0, 1) == pytest.approx((math.sqrt(3), 0.0))
    assert grid_to_display_coords(1, 0) == pytest.approx((math.sqrt(3) / 2, 1.5))
    # odd-r: odd rows are shifted right, so (2, 2)'s upper pair is (1, 1) and (1, 2)
    assert neighbors_offset(2, 2) == [(1, 1), (1, 2), (2, 1), (2, 3), (3, 1), (3, 2)]
    assert neighbors_offset(1, 2) == [(0, 2), (0, 3), (1, 1), (1, 3), (2, 2), (2, 3)]
    assert neighbors_axial(0, 0) == [(1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1)]


def test_distances_are_ints_even_for_float_axial_input() -> None:
    value = hexagonal_distance_axial(0.0, 0.0, 2.0, 1.0)
    assert value == 3 and isinstance(value, int)
    assert isinstance(axial_to_offset_coords(1.0, 3)[1], int)


def test_hex_coordinate_conversions_round_trip() -> None:
    for row in range(4):
        for col in range(4):
            q, r = offset_to_axial_coords(row, col)
            assert axial_to_offset_coords(q, r) == (row, col)
            cube_x, _, cube_z = axial_to_cube_coords(q, r)
            assert cube_to_axial_coords(cube_x, cube_z) == (q, r)
            for nr, nc in neighbors_offset(row, col):
                assert hexagonal_distance_offset(row, col, nr, nc) == 1
            assert hexagonal_distance_offset(row, col, row, col) == 0


def test_neighbours_agree_with_the_map_geometry() -> None:
    from torchsom.topology import grid_positions

    rows, cols = grid_positions(6, 6, "hexagonal")
    for row, col in [(2, 2), (3, 2)]:
        for nr, nc in neighbors_offset(row, col):
            d = math.hypot(float(rows[row, col] - rows[nr, nc]),
                           float(cols[row, col] - cols[nr, nc]))
            assert d == pytest.approx(1.0, abs=1e-6)


def test_the_old_module_path_re_exports_the_adapters() -> None:
    import torchsom.utils.hexagonal_coordinates as old

    for function in SIGNATURES_1_3:
        assert getattr(old, function.__name__) is getattr(hexagonal, function.__name__)
