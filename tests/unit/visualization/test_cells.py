"""The one cell painter: geometry, orientation, colours, empty cells, zeros, labels."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import Normalize, to_rgba

from torchsom.visualization._cells import (
    AXIS_LABELS,
    EMPTY_LABEL,
    as_grid,
    cell_centres,
    cell_vertices,
    draw_cells,
)
from torchsom.visualization._style import get_cmap
from torchsom.visualization.config import VisualizationConfig


def _draw(values, topology="rectangular", **kwargs):
    fig, ax = plt.subplots()
    cells = draw_cells(ax, values, topology, **kwargs)
    fig.canvas.draw()
    return ax, cells


@pytest.mark.parametrize(("topology", "corners"), [("rectangular", 4), ("hexagonal", 6)])
def test_one_polygon_per_neuron(topology, corners) -> None:
    ax, cells = _draw(np.arange(12.0).reshape(3, 4), topology)
    paths = cells.get_paths()
    assert len(paths) == 3 * 4
    assert all(len(np.unique(p.vertices[:-1].round(9), axis=0)) == corners for p in paths)


def test_hexagons_tile_without_gaps_or_overlaps() -> None:
    x, y = 4, 5
    vertices = cell_vertices(x, y, "hexagonal")
    radius = 1 / math.sqrt(3)
    centres = cell_centres(x, y, "hexagonal")
    # every pair of neighbours (centres 1 apart) shares exactly one edge (two vertices)
    for i in range(x * y):
        for j in range(i + 1, x * y):
            gap = np.linalg.norm(centres[i] - centres[j])
            shared = sum(np.isclose(np.linalg.norm(vertices[j] - v, axis=1), 0, atol=1e-9).any()
                         for v in vertices[i])
            if np.isclose(gap, 1.0):
                assert shared == 2, (i, j)
            else:
                assert gap > 1.0 + 1e-9 and shared <= 1
    # pointy-top: the top and bottom vertices lie on the vertical through the centre
    assert np.isclose(vertices[0][:, 0], centres[0, 0]).sum() == 2
    assert np.isclose(np.ptp(vertices[0][:, 1]), 2 * radius)


def test_row_zero_is_drawn_on_top() -> None:
    for topology in ("rectangular", "hexagonal"):
        ax, _ = _draw(np.zeros((3, 2)), topology)
        bottom, top = ax.get_ylim()
        assert bottom > top  # inverted: small row coordinates at the top
        centres = cell_centres(3, 2, topology)
        assert centres[0, 1] < centres[-1, 1]


def test_known_cell_has_the_colormap_colour() -> None:
    values = np.array([[0.0, 1.0], [2.0, 4.0]])
    _, cells = _draw(values)
    face = cells.get_facecolors()
    cmap = get_cmap("viridis")
    norm = Normalize(0.0, 4.0)
    np.testing.assert_allclose(face[3], cmap(norm(4.0)))
    np.testing.assert_allclose(face[1], cmap(norm(1.0)))
    # zero is a value, drawn with the lowest colour of the scale
    np.testing.assert_allclose(face[0], cmap(0.0))


def test_nan_cells_are_masked_hatched_and_explained() -> None:
    values = np.array([[np.nan, 1.0], [2.0, np.nan]])
    ax, cells = _draw(values)
    mask = np.ma.getmaskarray(cells.get_array())
    assert mask.tolist() == [True, False, False, True]
    config = VisualizationConfig()
    face = cells.get_facecolors()
    np.testing.assert_allclose(face[0], to_rgba(config.empty_color))
    cmap = get_cmap("viridis")
    assert not any(np.allclose(face[0], cmap(v)) for v in np.linspace(0, 1, 256))
    (hatch,) = [c for c in ax.collections if c.get_gid() == "empty-cells"]
    assert len(hatch.get_paths()) == 2 and hatch.get_hatch() == config.empty_hatch
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [EMPTY_LABEL]


def test_no_hatch_or_legend_without_empty_cells() -> None:
    ax, _ = _draw(np.ones((2, 2)))
    assert [c.get_gid() for c in ax.collections] == ["cells"]
    assert ax.get_legend() is None


def test_mask_zeros_turns_zeros_into_empty_cells() -> None:
    _, cells = _draw(np.array([[0.0, 1.0]]), mask_zeros=True)
    assert np.ma.getmaskarray(cells.get_array()).tolist() == [True, False]


def test_axis_labels_and_ticks() -> None:
    ax, _ = _draw(np.zeros((30, 14)))
    assert (ax.get_xlabel(), ax.get_ylabel()) == AXIS_LABELS
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "2", "4", "6", "8", "10", "12"]
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == ["0", "5", "10"]


def test_hexagonal_row_ticks_sit_on_the_rows() -> None:
    ax, _ = _draw(np.zeros((4, 3)), "hexagonal")
    np.testing.assert_allclose(ax.get_yticks(), np.arange(4) * math.sqrt(3) / 2)


def test_show_values_writes_finite_cells_with_contrast() -> None:
    values = np.array([[0.0, np.nan], [1.0, 0.5]])
    ax, _ = _draw(values, show_values=True, value_format=".1f")
    texts = {t.get_text(): t.get_color() for t in ax.texts}
    assert set(texts) == {"0.0", "1.0", "0.5"}
    assert texts["0.0"] == "white" and texts["1.0"] == "black"  # dark purple / yellow


def test_constant_and_all_empty_maps_draw() -> None:
    _, cells = _draw(np.full((2, 2), 3.0))
    assert cells.norm.vmin < 3.0 < cells.norm.vmax
    _, cells = _draw(np.full((2, 2), np.nan))
    assert np.ma.getmaskarray(cells.get_array()).all()


def test_norm_and_cmap_can_be_given() -> None:
    _, cells = _draw(np.array([[1.0, 2.0]]), cmap="magma", norm=Normalize(0, 10))
    assert cells.get_cmap().name.startswith("magma") and cells.norm.vmax == 10


def test_as_grid_accepts_tensors_and_rejects_other_shapes() -> None:
    import torch

    assert as_grid(torch.ones(2, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"shape \(x, y\)"):
        as_grid(np.ones(4))
