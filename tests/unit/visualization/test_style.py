"""Colormap lookup, categorical colours, contrast, and the hexagonal compatibility helpers."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pytest

from torchsom.visualization._cells import _tick_step
from torchsom.visualization._style import (
    contrast_text_color,
    get_cmap,
    label_colors,
    style_context,
)
from torchsom.visualization.config import VisualizationConfig


def test_get_cmap_by_name_object_and_default() -> None:
    assert get_cmap("magma").name == "magma"
    cmap = mpl.colormaps["plasma"]
    assert get_cmap(cmap) is cmap
    assert get_cmap(None).name == "viridis"
    with pytest.raises(ValueError, match="'nope' is not a matplotlib colormap"):
        get_cmap("nope")


@pytest.mark.parametrize("n", [1, 3, 10, 15, 20, 25])
def test_label_colors_are_distinct(n) -> None:
    colors = label_colors(n).colors
    assert len(colors) == n
    assert len({tuple(np.round(np.asarray(c)[:3], 6)) for c in colors}) == n


def test_contrast_text_color() -> None:
    assert contrast_text_color("white") == "black"
    assert contrast_text_color("navy") == "white"


def test_style_context_is_local() -> None:
    before = mpl.rcParams["axes.titlesize"]
    with style_context(VisualizationConfig(fontsize={"title": 31})):
        assert mpl.rcParams["axes.titlesize"] == 31
    assert mpl.rcParams["axes.titlesize"] == before


def test_tick_step_grows_with_the_grid() -> None:
    assert [_tick_step(n) for n in (5, 12, 13, 30, 100, 10_000)] == [1, 1, 2, 5, 10, 1000]
