"""The hexagonal drawing helpers of earlier releases (visualization/hexagonal_utils.py)
keep their 1.3 call forms and share the painter's geometry."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch
from matplotlib.colors import Normalize

from torchsom.visualization import hexagonal_utils as hu
from torchsom.visualization._cells import cell_centres


def test_call_forms_of_1_3() -> None:
    def names(function):
        return list(inspect.signature(function).parameters)

    assert names(hu.grid_to_hex_coords)[:2] == ["row", "col"]
    assert names(hu.calculate_hex_dimensions) == ["x_dim", "y_dim", "hex_radius"]
    assert names(hu.create_hexagon_patch)[:6] == ["center_x", "center_y", "radius",
                                                  "facecolor", "edgecolor", "linewidth"]
    assert names(hu.create_hexagonal_grid_patches) == ["map_data", "hex_radius", "cmap",
                                                       "norm", "edgecolor", "linewidth"]


def test_centres_are_odd_r_at_unit_spacing() -> None:
    assert hu.DEFAULT_HEX_RADIUS == pytest.approx(1 / math.sqrt(3))
    assert hu.grid_to_hex_coords(1, 2) == pytest.approx((2.5, math.sqrt(3) / 2))
    assert hu.grid_to_hex_coords(2, 0) == pytest.approx((0.0, math.sqrt(3)))
    assert hu.grid_to_hex_coords(1, 2, hex_radius=2 / math.sqrt(3)) == pytest.approx(
        (5.0, math.sqrt(3)))


def test_dimensions_are_the_extent_of_the_drawn_hexagons() -> None:
    radius = hu.DEFAULT_HEX_RADIUS
    x_min, x_max, y_min, y_max = hu.calculate_hex_dimensions(3, 4)
    assert (x_min, x_max) == pytest.approx((-0.5, 3.5 + 0.5))  # odd row reaches 3.5
    assert (y_min, y_max) == pytest.approx((-radius, math.sqrt(3) + radius))
    assert hu.calculate_hex_dimensions(1, 4)[1] == pytest.approx(3.5)  # no shifted row
    patches, *box = hu.create_hexagonal_grid_patches(np.zeros((3, 4)))
    vertices = np.concatenate([p.get_verts() for p in patches])
    assert box == pytest.approx([vertices[:, 0].min(), vertices[:, 0].max(),
                                 vertices[:, 1].min(), vertices[:, 1].max()], abs=1e-9)


def test_grid_patches_colour_the_values_and_leave_nan_white() -> None:
    values = torch.tensor([[0.0, 1.0], [float("nan"), 2.0]])
    patches, *_ = hu.create_hexagonal_grid_patches(values, cmap="viridis",
                                                   edgecolor="k", linewidth=1.0)
    assert len(patches) == 4
    np.testing.assert_allclose([p.xy for p in patches], cell_centres(2, 2, "hexagonal"))
    assert patches[0].numvertices == 6 and patches[0].orientation == 0.0
    assert patches[2].get_facecolor() == pytest.approx((1.0, 1.0, 1.0, 1.0))
    low, high = patches[0].get_facecolor(), patches[3].get_facecolor()
    assert low != high and patches[0].get_linewidth() == 1.0
    fixed, *_ = hu.create_hexagonal_grid_patches(values, norm=Normalize(0.0, 100.0))
    assert fixed[3].get_facecolor() == pytest.approx(fixed[0].get_facecolor(), abs=0.05)
    empty, *_ = hu.create_hexagonal_grid_patches(np.full((1, 2), np.nan))
    assert all(p.get_facecolor() == pytest.approx((1.0, 1.0, 1.0, 1.0)) for p in empty)
    with pytest.raises(ValueError, match=r"shape \(x, y\)"):
        hu.create_hexagonal_grid_patches(np.zeros(4))


def test_single_patch_keywords() -> None:
    single = hu.create_hexagon_patch(0.0, 0.0, radius=0.3, facecolor="red", edgecolor="k",
                                     linewidth=2.0, alpha=0.5)
    assert single.radius == 0.3 and single.get_linewidth() == 2.0
    assert single.get_alpha() == 0.5
