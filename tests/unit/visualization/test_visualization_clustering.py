"""Axes-level cluster plots: cluster maps, silhouettes, the elbow curve and the quality
comparison."""

from __future__ import annotations

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from figure_parts import cells as _cells
from figure_parts import colorbar_labels as _colorbar_labels

from torchsom.exceptions import TorchSOMWarning
from torchsom.visualization import clustering as cplots
from torchsom.visualization._style import NOISE_COLOR


@pytest.fixture(scope="module")
def results(rect_som):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        return [rect_som.cluster(method="kmeans", n_clusters=3),
                rect_som.cluster(method="gmm", n_clusters=3),
                rect_som.cluster(method="hdbscan", min_cluster_size=3)]


def test_cluster_map_labels_each_neuron(rect_som, results) -> None:
    ax = cplots.plot_cluster_map(rect_som, results[0])
    labels = results[0]["labels"].numpy()
    array = _cells(ax).get_array()
    assert (np.asarray(array) == labels - 1).all()  # codes 0..k-1 for labels 1..k
    assert ax.get_title() == "KMEANS clusters (weights, k = 3)"


def test_cluster_map_with_noise(rect_som) -> None:
    labels = torch.ones(30, dtype=torch.long)
    labels[:4] = -1
    labels[10:] = 2
    ax = cplots.plot_cluster_map(rect_som, {"labels": labels, "method": "hdbscan"},
                                 title="mine", show_values=True)
    np.testing.assert_allclose(_cells(ax).get_facecolors()[0], NOISE_COLOR)
    assert _colorbar_labels(ax) == ["noise", "1", "2"] and ax.get_title() == "mine"


def test_cluster_map_rejects_labels_of_another_map(rect_som) -> None:
    with pytest.raises(ValueError, match="30 neurons"):
        cplots.plot_cluster_map(rect_som, {"labels": torch.ones(7)})


def test_silhouette_bands(results) -> None:
    ax = cplots.plot_silhouette(results[0])
    assert len(ax.collections) == 3
    (mean_line,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    from torchsom.clustering import silhouette_score

    expected = silhouette_score(results[0]["original_data"], results[0]["labels"])
    assert mean_line.get_xdata()[0] == pytest.approx(expected)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3"]


def test_silhouette_reports_excluded_noise(rect_som) -> None:
    labels = torch.tensor([1] * 12 + [2] * 12 + [-1] * 6)
    result = {"labels": labels, "original_data": rect_som.weights.reshape(30, 4),
              "method": "hdbscan"}
    ax = cplots.plot_silhouette(result)
    assert "6 noise neurons excluded (20%)" in ax.get_title()


def test_silhouette_with_one_cluster_warns() -> None:
    result = {"labels": torch.ones(5), "original_data": torch.rand(5, 2), "method": "kmeans"}
    with pytest.warns(TorchSOMWarning, match="two clusters"):
        ax = cplots.plot_silhouette(result)
    assert ax.texts[0].get_text() == "needs at least two clusters"


def test_elbow_marks_the_elbow() -> None:
    ax = cplots.plot_elbow([1, 2, 3, 4], [10.0, 4.0, 1.0, 0.8], elbow=3)
    (marker,) = [line for line in ax.lines if line.get_gid() == "elbow-marker"]
    assert list(marker.get_xdata()) == [3] and list(marker.get_ydata()) == [1.0]
    assert "elbow at k = 3" in [t.get_text() for t in ax.texts]
    plain = cplots.plot_elbow([1, 2], [2.0, 1.0])
    assert not [line for line in plain.lines if line.get_gid() == "elbow-marker"]


def test_quality_comparison_panels(results) -> None:
    axes = cplots.plot_quality_comparison(results)
    titles = [ax.get_title().split("\n")[0] for ax in axes]
    assert titles == ["Silhouette (higher is better)", "Noise ratio", "Number of clusters",
                      "Davies–Bouldin", "Calinski–Harabasz", "Topological quality"]
    assert [t.get_text() for t in axes[0].get_xticklabels()] == [
        "kmeans\n(weights)", "gmm\n(weights)", "hdbscan\n(weights)"]
    noise = results[2]["metrics"]["noise_ratio"]
    heights = [bar.get_height() for bar in axes[1].patches]
    assert heights[2] == pytest.approx(noise)
    silhouette_texts = [t.get_text() for t in axes[0].texts]
    if noise > 0:
        assert f"({noise:.0%} noise)" in silhouette_texts[2]
    assert "noise" not in silhouette_texts[0]


def test_quality_comparison_labels_do_not_overlap_titles(results) -> None:
    axes = cplots.plot_quality_comparison(results)
    fig = axes[0].figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        title = ax.title.get_window_extent(renderer)
        for text in ax.texts:
            assert not title.overlaps(text.get_window_extent(renderer)), text.get_text()
        for label in ax.get_xticklabels():
            assert not title.overlaps(label.get_window_extent(renderer))


def test_quality_comparison_special_values_and_errors() -> None:
    metrics = {"silhouette_score": 0.0, "noise_ratio": 1.0, "n_clusters": 0,
               "davies_bouldin_score": math.inf, "calinski_harabasz_score": 0.0,
               "topological_quality": math.nan}
    axes = cplots.plot_quality_comparison([{"method": "hdbscan", "metrics": metrics}])
    assert [t.get_text() for t in axes[3].texts] == ["inf"]
    assert [t.get_text() for t in axes[5].texts] == ["n/a"]
    with pytest.raises(ValueError, match="results_list is empty"):
        cplots.plot_quality_comparison([])
    with pytest.raises(ValueError, match="6 Axes"):
        cplots.plot_quality_comparison([{"metrics": metrics}], ax=[None])


def test_cluster_maps_grid(rect_som, results) -> None:
    axes = cplots.plot_cluster_maps(rect_som, results)
    assert len(axes) == 3
    assert axes[0].get_title().startswith("kmeans (weights)\nk = 3, silhouette = ")
    fig, spare = plt.subplots(1, 4)
    used = cplots.plot_cluster_maps(rect_som, results, ax=spare)
    assert len(used) == 3 and not spare[3].get_visible()
    with pytest.raises(ValueError, match="at least 3 Axes"):
        cplots.plot_cluster_maps(rect_som, results, ax=spare[:2])
    with pytest.raises(ValueError, match="empty"):
        cplots.plot_cluster_maps(rect_som, [])
