"""Axes-level map plots: they draw into the given Axes and return it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from figure_parts import cells as _cells
from figure_parts import colorbar_labels as _colorbar_labels
from matplotlib.colors import to_rgba

from torchsom.visualization import maps as mplots
from torchsom.visualization._style import NOISE_COLOR, label_colors


def test_draw_map_returns_the_given_axes_with_a_colour_bar() -> None:
    fig, ax = plt.subplots()
    out = mplots.draw_map(np.ones((3, 2)), ax=ax, title="T", colorbar_label="L",
                          ticks=[1.0], tick_labels=["one"])
    assert out is ax and ax.get_title() == "T"
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "L"
    fig.canvas.draw()
    assert _colorbar_labels(ax) == ["one"]


def test_draw_map_makes_its_own_axes() -> None:
    ax = mplots.draw_map(np.ones((3, 2)))
    assert ax.figure.get_layout_engine() is not None


def test_label_map_gives_class_zero_a_colour_and_names_noise() -> None:
    labels = np.array([[0.0, 1.0], [-1.0, np.nan]])
    ax = mplots.draw_label_map(labels, noise=-1)
    cells = _cells(ax)
    face = cells.get_facecolors()
    np.testing.assert_allclose(face[2], NOISE_COLOR)                 # noise: grey
    np.testing.assert_allclose(face[0], to_rgba(label_colors(2).colors[0]))  # class 0
    np.testing.assert_allclose(face[1], to_rgba(label_colors(2).colors[1]))
    assert np.ma.getmaskarray(cells.get_array())[3]
    assert _colorbar_labels(ax) == ["noise", "0", "1"]


def test_label_map_without_noise_and_non_integer_labels() -> None:
    ax = mplots.draw_label_map(np.array([[0.5, 2.0]]))
    _cells(ax)
    assert _colorbar_labels(ax) == ["0.5", "2"]


def test_distance_map_matches_build_map(any_som) -> None:
    fig, ax = plt.subplots()
    assert mplots.plot_distance_map(any_som, ax=ax) is ax
    expected = any_som.build_map("distance").numpy().ravel()
    np.testing.assert_allclose(_cells(ax).get_array().data, expected, rtol=1e-6)
    assert "U-Matrix" in ax.get_title() and "order 1" in ax.get_title()
    assert fig.axes[1].get_ylabel().startswith("euclidean distance")


def test_distance_map_options(rect_som) -> None:
    ax = mplots.plot_distance_map(rect_som, neighborhood_order=2, scaling="mean",
                                  distance_metric="manhattan")
    expected = rect_som.build_map("distance", neighborhood_order=2, scaling="mean",
                                  distance_metric="manhattan").numpy().ravel()
    np.testing.assert_allclose(_cells(ax).get_array().data, expected, rtol=1e-6)
    assert "order 2" in ax.get_title()


def test_hit_map_draws_unused_neurons_as_empty(any_som, groups) -> None:
    data, _ = groups
    ax = mplots.plot_hit_map(any_som, data)
    hits = any_som.build_map("hit", data=data).numpy().ravel()
    array = _cells(ax).get_array()
    assert np.ma.getmaskarray(array).tolist() == (hits == 0).tolist()
    assert float(array.sum()) == len(data)


def test_classification_map_colours_each_class(rect_som, groups) -> None:
    data, target = groups
    bmus = rect_som.build_map("bmus_data", data=data)
    ax = mplots.plot_classification_map(rect_som, bmus, data, target)
    expected = rect_som.build_map("classification", data=data, target=target).numpy().ravel()
    array = _cells(ax).get_array()
    assert np.ma.getmaskarray(array).tolist() == np.isnan(expected).tolist()
    assert _colorbar_labels(ax) == ["0", "1", "2"]
    assert ax.get_title().startswith("Classification Map")


def test_supervised_maps(any_som, groups) -> None:
    data, target = groups
    target = target.float()
    bmus = any_som.build_map("bmus_data", data=data, return_indices=True)
    ax = mplots.plot_metric_map(any_som, bmus, data, target, "std")
    assert ax.get_title() == "Std Target Map"
    ax = mplots.plot_score_map(any_som, bmus, target, len(data))
    expected = any_som.build_map("score", target=target, bmus_data_map=bmus,
                                 total_samples=len(data)).numpy().ravel()
    np.testing.assert_allclose(np.ma.filled(_cells(ax).get_array(), np.nan), expected,
                               rtol=1e-6)
    ax = mplots.plot_rank_map(any_som, bmus, target)
    finite = np.isfinite(any_som.build_map("rank", target=target, bmus_data_map=bmus).numpy())
    assert len(ax.texts) == int(finite.sum())
    assert all(t.get_text().isdigit() for t in ax.texts)


def test_component_plane_is_not_flipped(any_som) -> None:
    ax = mplots.plot_component_plane(any_som, 2)
    np.testing.assert_allclose(_cells(ax).get_array().data,
                               any_som.weights.detach()[..., 2].numpy().ravel(), rtol=1e-6)
    assert ax.get_title() == "Component_3"
    bottom, top = ax.get_ylim()
    assert bottom > top
