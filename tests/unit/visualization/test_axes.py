"""Helpers of the plotting functions: grid shape, figure size, new axes, colour bars and
categorical colours."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from torchsom.visualization._axes import (
    add_colorbar,
    categorical,
    grid_shape,
    map_figsize,
    new_axes,
)
from torchsom.visualization._style import NOISE_COLOR
from torchsom.visualization.config import VisualizationConfig


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_grid_shape_reads_public_attributes() -> None:
    assert grid_shape(SimpleNamespace(x=3.0, y=4, topology="hexagonal")) == (3, 4, "hexagonal")
    assert grid_shape(SimpleNamespace(x=2, y=5)) == (2, 5, "rectangular")


@pytest.mark.parametrize(("x", "y"), [(5, 5), (10, 40), (40, 10), (1, 1)])
@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("panels", [(1, 1), (2, 3)])
def test_map_figsize_fits_the_configured_size(x, y, topology, panels) -> None:
    config = VisualizationConfig(figsize=(12, 8))
    width, height = map_figsize(x, y, topology, config, panels)
    assert 4.0 <= width <= 12.0 + 0.4 and 3.0 <= height <= 8.0 + 1e-9


def test_map_figsize_keeps_the_map_aspect() -> None:
    config = VisualizationConfig(figsize=(30, 8))
    # 8 tall: panel height 6.8; a square map's panel is as wide as tall, plus its colour bar
    width, height = map_figsize(6, 6, "rectangular", config)
    assert (width, height) == pytest.approx((6.8 + 1.6 + 0.4, 8.0))
    wide, _ = map_figsize(6, 12, "rectangular", config)
    assert wide == pytest.approx(2 * 6.8 + 1.6 + 0.4)
    # a hexagonal map is √3/2 as tall per row and half a cell wider
    hex_width, _ = map_figsize(6, 6, "hexagonal", config)
    assert hex_width == pytest.approx(6.8 * 6.5 / (6 * np.sqrt(3) / 2) + 1.6 + 0.4)


def test_new_axes_keeps_the_given_axes_or_makes_a_constrained_figure() -> None:
    _, ax = plt.subplots()
    assert new_axes(ax) is ax
    made = new_axes(None, figsize=(5.0, 4.0))
    assert made is not ax
    assert tuple(made.figure.get_size_inches()) == (5.0, 4.0)
    assert made.figure.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"


def test_colorbar_takes_the_config_label_size() -> None:
    config = VisualizationConfig(fontsize={"title": 16, "axis": 9, "legend": 11})
    _, ax = plt.subplots()
    image = ax.imshow(np.arange(6.0).reshape(2, 3))
    bar = add_colorbar(ax, image, "hits", config)
    assert bar.ax.get_ylabel() == "hits" and bar.ax.yaxis.label.get_fontsize() == 9
    assert add_colorbar(ax, image, None, config).ax.get_ylabel() == ""


def test_categorical_codes_levels_and_colours() -> None:
    values = np.array([[3.0, np.nan], [7.0, 3.0]])
    codes, cmap, norm, levels = categorical(values)
    assert levels == [3.0, 7.0] and cmap.N == 2
    np.testing.assert_array_equal(codes, [[0.0, np.nan], [1.0, 0.0]])
    assert list(norm.boundaries) == [-0.5, 0.5, 1.5]


def test_categorical_puts_noise_first_in_grey() -> None:
    codes, cmap, _, levels = categorical(np.array([2.0, -1.0, 1.0]), noise=-1)
    assert levels == [-1.0, 1.0, 2.0]
    np.testing.assert_array_equal(codes, [2.0, 0.0, 1.0])
    np.testing.assert_allclose(cmap(0), plt.matplotlib.colors.to_rgba(NOISE_COLOR))
    # a noise value that does not occur takes no colour
    _, cmap, _, levels = categorical(np.array([1.0, 2.0]), noise=-1)
    assert levels == [1.0, 2.0] and cmap.N == 2


def test_categorical_of_an_empty_map() -> None:
    codes, cmap, norm, levels = categorical(np.full((2, 2), np.nan))
    assert levels == [] and np.isnan(codes).all() and cmap.N == 1
