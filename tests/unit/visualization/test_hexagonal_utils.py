"""The 1.x hexagonal drawing helpers: centres, extents and patches of pointy-top hexagons
that tile the odd-r grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

from torchsom.visualization.hexagonal_utils import (
    DEFAULT_HEX_RADIUS,
    calculate_hex_dimensions,
    create_hexagon_patch,
    create_hexagonal_grid_patches,
    grid_to_hex_coords,
)


@pytest.mark.parametrize("radius", [DEFAULT_HEX_RADIUS, 0.8])
def test_centres_follow_odd_r_rows(radius: float) -> None:
    spacing = radius * math.sqrt(3)  # centre to centre along a row
    assert grid_to_hex_coords(0, 0, radius) == pytest.approx((0.0, 0.0))
    assert grid_to_hex_coords(0, 2, radius) == pytest.approx((2 * spacing, 0.0))
    assert grid_to_hex_coords(1, 0, radius) == pytest.approx((0.5 * spacing, 1.5 * radius))
    assert grid_to_hex_coords(2, 1, radius) == pytest.approx((spacing, 3.0 * radius))


def test_the_default_radius_puts_neighbours_one_unit_apart() -> None:
    centre = np.array(grid_to_hex_coords(2, 2))
    # the six neighbours of an even row: two above, two beside, two below
    for row, col in [(1, 1), (1, 2), (2, 1), (2, 3), (3, 1), (3, 2)]:
        assert np.linalg.norm(np.array(grid_to_hex_coords(row, col)) - centre) == \
            pytest.approx(1.0)


def test_a_patch_is_a_pointy_top_hexagon() -> None:
    patch = create_hexagon_patch(1.0, 2.0, 0.5, facecolor="red")
    vertices = patch.get_verts()[:-1]  # the path closes on its first vertex
    assert len(vertices) == 6
    np.testing.assert_allclose(np.linalg.norm(vertices - [1.0, 2.0], axis=1), 0.5)
    top = vertices[np.argmax(vertices[:, 1])]
    np.testing.assert_allclose(top, [1.0, 2.5], atol=1e-12)  # a vertex points up
    assert patch.get_facecolor()[:3] == (1.0, 0.0, 0.0)


@pytest.mark.parametrize(("x", "y"), [(1, 1), (1, 4), (3, 4), (4, 2)])
@pytest.mark.parametrize("radius", [DEFAULT_HEX_RADIUS, 0.8])
def test_grid_patches_cover_the_stated_dimensions(x: int, y: int, radius: float) -> None:
    patches = create_hexagonal_grid_patches(x, y, radius)
    assert len(patches) == x * y
    centres = np.array([p.xy for p in patches])
    expected = [grid_to_hex_coords(r, c, radius) for r in range(x) for c in range(y)]
    np.testing.assert_allclose(centres, expected, atol=1e-12)  # row-major order
    vertices = np.concatenate([p.get_verts() for p in patches])
    extent = vertices.max(0) - vertices.min(0)
    np.testing.assert_allclose(extent, calculate_hex_dimensions(x, y, radius), atol=1e-12)


def test_neighbouring_patches_share_an_edge() -> None:
    first, second = create_hexagonal_grid_patches(1, 2)
    a, b = first.get_verts()[:-1], second.get_verts()[:-1]
    shared = [v for v in a if np.isclose(b, v, atol=1e-12).all(axis=1).any()]
    assert len(shared) == 2
