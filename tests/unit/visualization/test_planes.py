"""Component planes on one page: readable from 2 to 64 features, both topologies."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from torchsom.visualization import VisualizationConfig
from torchsom.visualization._plane_layout import MIN_MAP_INCHES
from torchsom.visualization.planes import draw_component_planes, planes_share_scale

WINE = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
        "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
        "od280/od315_of_diluted_wines", "proline"]


def _names(n: int) -> list[str]:
    if n == 13:
        return WINE
    if n == 64:
        return [f"pixel_{i // 8}_{i % 8}" for i in range(64)]
    return [f"a rather long feature name number {i}" for i in range(n)]


def _planes(n: int, x: int = 10, y: int = 14) -> np.ndarray:
    rng = np.random.default_rng(n)
    # each plane on its own scale, from tiny to large magnitudes
    return rng.normal(size=(x, y, n)) * np.logspace(-3, 3, n)


def _map_axes(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.get_gid() != "colour-bars" and ax.collections]


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("n", [2, 4, 13, 64])
def test_no_two_texts_overlap_and_all_stay_on_the_page(n, topology, text_overlaps,
                                                        text_boxes) -> None:
    fig = Figure()
    axes = draw_component_planes(fig, _planes(n), _names(n), topology)
    assert len(axes) == n == len(_map_axes(fig))
    assert text_overlaps(fig) == []
    page = fig.bbox
    for text, box in text_boxes(fig):
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, text
        assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, text
    # the small panels carry no axis labels
    assert all(ax.get_xlabel() == "" and ax.get_ylabel() == "" for ax in axes)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_titles_keep_feature_order_and_wrap_long_names(topology) -> None:
    fig = Figure()
    axes = draw_component_planes(fig, _planes(13), WINE, topology)
    titles = [ax.get_title(loc="left") for ax in axes]
    assert [t.replace("\n", "") for t in titles] == WINE
    assert "\n" in titles[WINE.index("od280/od315_of_diluted_wines")]


def test_layout_fills_the_page_and_grows_only_when_maps_get_small() -> None:
    config = VisualizationConfig()
    width, height = config.figsize
    for n in (2, 4, 13):
        fig = Figure()
        draw_component_planes(fig, _planes(n), _names(n), config=config)
        w, h = fig.get_size_inches()
        assert w <= width + 1e-9 and h <= height + 1e-9, n
        # the page is used: one side reaches the page edge (within the margins)
        assert w > 0.8 * width or h > 0.8 * height, n
    fig = Figure()
    axes = draw_component_planes(fig, _planes(64), _names(64), config=config)
    assert fig.get_size_inches()[1] > height
    map_width = axes[0].get_position().width * fig.get_size_inches()[0]
    assert map_width >= MIN_MAP_INCHES - 1e-6


def test_each_panel_has_its_own_scale_unless_the_ranges_agree() -> None:
    planes = _planes(4)
    fig = Figure()
    axes = draw_component_planes(fig, planes, list("abcd"))
    bars = [ax for ax in fig.axes if ax.get_gid() == "colour-bars"]
    assert len(bars) == 1 and len(bars[0].images) == 4
    for i, ax in enumerate(axes):
        (cells,) = [c for c in ax.collections if c.get_gid() == "cells"]
        assert cells.norm.vmin == pytest.approx(planes[..., i].min())
        assert cells.norm.vmax == pytest.approx(planes[..., i].max())
    same = np.random.default_rng(1).uniform(size=(6, 5, 4))
    same[0, 0], same[-1, -1] = 0.0, 1.0  # every plane spans [0, 1]
    fig = Figure()
    axes = draw_component_planes(fig, same, list("abcd"))
    assert not [ax for ax in fig.axes if ax.get_gid() == "colour-bars"]
    norms = {(c.norm.vmin, c.norm.vmax) for ax in axes for c in ax.collections
             if c.get_gid() == "cells"}
    assert len(norms) == 1
    assert len(fig.axes) == 5  # four maps and one shared colour bar
    fig = Figure()
    draw_component_planes(fig, same, list("abcd"), shared_scale=False)
    assert [ax for ax in fig.axes if ax.get_gid() == "colour-bars"]


def test_planes_share_scale_rule() -> None:
    base = np.zeros((2, 2, 2))
    base[0, 0] = [0.0, 0.1]
    base[1, 1] = [1.0, 0.95]
    assert planes_share_scale(base)
    base[1, 1, 1] = 0.5  # the second plane covers only half of the common range
    assert not planes_share_scale(base)
    assert planes_share_scale(np.ones((2, 2, 3)))


@pytest.mark.parametrize(
    ("planes", "names", "message"),
    [
        (np.zeros((3, 4)), None, r"shape \(x, y, n_features\)"),
        (np.zeros((3, 4, 0)), None, r"n_features >= 1"),
        (np.zeros((3, 4, 2)), ["a"], "names has 1 entries but there are 2 planes"),
    ],
)
def test_bad_input_is_named(planes, names, message) -> None:
    with pytest.raises(ValueError, match=message):
        draw_component_planes(Figure(), planes, names)


def test_default_names() -> None:
    axes = draw_component_planes(Figure(), np.zeros((3, 4, 2)))
    assert [ax.get_title(loc="left") for ax in axes] == [
        "Component_1", "Component_2"]


def test_colour_bar_labels_are_short() -> None:
    from torchsom.visualization.planes import _fmt

    assert [_fmt(v) for v in (1510.3, 167.2, -12345.6, 0.000563, 2.5e7, -0.0)] == [
        "1510", "167", "-12300", "0.000563", "2.5e+07", "0"]
    assert _fmt(-1.33e-6, span=0.3) == "0" and _fmt(0.0003, span=0.1) == "0.0003"


def test_a_page_too_small_is_refused() -> None:
    config = VisualizationConfig(figsize=(0.5, 0.5))
    with pytest.raises(ValueError, match=r"figsize \(0.5, 0.5\) is too small for 3"):
        draw_component_planes(Figure(), np.zeros((3, 4, 3)), config=config)
