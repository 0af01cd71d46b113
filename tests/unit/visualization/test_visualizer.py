"""SOMVisualizer: every method returns its Figure, saves like before, loses nothing."""

from __future__ import annotations

import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure

import torchsom
from torchsom import SOM
from torchsom.exceptions import NotFittedError, TorchSOMWarning
from torchsom.visualization import (
    BaseVisualizer,
    ClusteringVisualizer,
    HexagonalVisualizer,
    RectangularVisualizer,
    SOMVisualizer,
    VisualizationConfig,
)
from torchsom.visualization.visualizer import safe_file_name


@pytest.fixture
def quiet():
    """Silence the 'neither saved nor shown' warnings of the Agg backend."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        yield


@pytest.fixture
def viz(any_som):
    return SOMVisualizer(any_som, VisualizationConfig(dpi=40))


def test_lazy_names_and_legacy_aliases(rect_som) -> None:
    assert torchsom.SOMVisualizer is SOMVisualizer
    assert torchsom.VisualizationConfig is VisualizationConfig
    for alias in (BaseVisualizer, RectangularVisualizer, HexagonalVisualizer,
                  ClusteringVisualizer):
        assert isinstance(alias(rect_som), SOMVisualizer)


def test_config_defaults() -> None:
    config = VisualizationConfig()
    assert config.figsize == (12, 8) and config.cmap == "viridis" and config.dpi == 100
    assert config.fontsize == {"title": 16, "axis": 13, "legend": 11}
    assert config.save_format == "png" and config.colorbar_pad == 0.01
    assert config.hex_radius == pytest.approx(3 ** -0.5)
    assert VisualizationConfig().fontsize is not config.fontsize


def test_unknown_topology_is_rejected() -> None:
    class Odd:
        topology = "triangular"

    with pytest.raises(ValueError, match="topology='triangular'"):
        SOMVisualizer(Odd())


def test_every_plot_returns_a_figure_and_saves_it(viz, groups, tmp_path) -> None:
    data, target = groups
    bmus = viz.som.build_map("bmus_data", data=data)
    result = viz.som.cluster(method="kmeans", n_clusters=3)
    before = plt.get_fignums()
    calls = {
        "training_errors": lambda p: viz.plot_training_errors([1.0, 0.5], [3.0, 2.0],
                                                              save_path=p),
        "distance_map": lambda p: viz.plot_distance_map(save_path=p),
        "hit_map": lambda p: viz.plot_hit_map(data, save_path=p),
        "classification_map": lambda p: viz.plot_classification_map(bmus, data, target,
                                                                     save_path=p),
        "mean_target_map": lambda p: viz.plot_metric_map(bmus, data, target.float(),
                                                         save_path=p),
        "score_map": lambda p: viz.plot_score_map(bmus, target.float(), len(data),
                                                  save_path=p),
        "rank_map": lambda p: viz.plot_rank_map(bmus, target.float(), save_path=p),
        "component_planes": lambda p: viz.plot_component_planes(save_path=p),
        "cluster_map": lambda p: viz.plot_cluster_map(result, save_path=p),
        "silhouette_analysis": lambda p: viz.plot_silhouette_analysis(result, save_path=p),
        "elbow_analysis": lambda p: viz.plot_elbow_analysis(max_k=5, save_path=p),
        "clustering_metrics_comparison": lambda p: viz.plot_cluster_quality_comparison(
            [result], save_path=p),
        "clustering_comparison_grid": lambda p: viz.plot_clustering_comparison_grid(
            [result, result], save_path=p),
        "my_grid": lambda p: viz.plot_grid(torch.zeros(6, 5), "zeros", "value", "my_grid",
                                           save_path=p),
    }
    for name, call in calls.items():
        fig = call(tmp_path)
        assert isinstance(fig, Figure), name
        assert (tmp_path / f"{name}.png").stat().st_size > 0, name
    # saved figures are made outside pyplot: nothing is left open
    assert plt.get_fignums() == before
    assert sorted(p.name for p in (tmp_path / "component_planes").iterdir()) == [
        f"Component_{i}.png" for i in range(1, 5)]


def test_save_format_and_fig_name(rect_som, tmp_path) -> None:
    viz = SOMVisualizer(rect_som, VisualizationConfig(save_format="svg"))
    viz.plot_distance_map(fig_name="umatrix", save_path=tmp_path / "deep" / "er")
    assert (tmp_path / "deep" / "er" / "umatrix.svg").read_text().lstrip().startswith("<?xml")


def test_unsaved_figure_on_agg_stays_open_with_a_warning(rect_som) -> None:
    viz = SOMVisualizer(rect_som)
    with pytest.warns(TorchSOMWarning, match="'distance_map' was neither saved nor shown"):
        fig = viz.plot_distance_map()
    assert fig.number in plt.get_fignums()


def test_training_errors_default_to_the_history(rect_som, quiet) -> None:
    fig = SOMVisualizer(rect_som).plot_training_errors()
    top, _ = fig.axes
    assert list(top.lines[0].get_ydata()) == pytest.approx(rect_som.quantization_errors_)
    unfitted = SOM(x=2, y=2, num_features=2, device="cpu")
    with pytest.raises(NotFittedError, match="call fit first"):
        SOMVisualizer(unfitted).plot_training_errors()


def test_component_planes_names(rect_som, tmp_path, quiet) -> None:
    viz = SOMVisualizer(rect_som, VisualizationConfig(dpi=30))
    fig = viz.plot_component_planes(["a b", "c/d"], save_path=tmp_path)
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")] == [
        "a b", "c/d"]
    assert sorted(p.name for p in (tmp_path / "component_planes").iterdir()) == [
        "a_b.png", "c_d.png"]
    single = viz.plot_component_planes(["only"])
    assert [ax.get_title(loc="left") for ax in single.axes if ax.get_title(loc="left")] == [
        "only"]
    with pytest.raises(ValueError, match="5 names but the map has 4 features"):
        viz.plot_component_planes(list("abcde"))
    with pytest.raises(ValueError, match="empty"):
        viz.plot_component_planes([])


def test_plot_all(rect_som, groups, quiet) -> None:
    data, target = groups
    bmus = rect_som.build_map("bmus_data", data=data, return_indices=True)
    out = SOMVisualizer(rect_som).plot_all([1.0], [2.0], bmus, data, target.float())
    assert list(out) == ["training_errors", "distance_map", "hit_map", "mean_target_map",
                         "std_target_map", "score_map", "rank_map", "component_planes"]
    assert all(isinstance(f, Figure) for f in out.values())
    none = SOMVisualizer(rect_som).plot_all(
        [1.0], [2.0], bmus, data, target, training_errors=False, distance_map=False,
        hit_map=False, score_map=False, rank_map=False, metric_map=False,
        component_planes=False)
    assert none == {}


def test_plot_grid_options(rect_som, quiet) -> None:
    viz = SOMVisualizer(rect_som)
    fig = viz.plot_grid(torch.zeros(6, 5), "t", "c", "f", mask_zeros=True,
                        is_component_plane=True, show_values=True)
    (cells,) = [c for c in fig.axes[0].collections if c.get_gid() == "cells"]
    assert cells.get_array().mask.all()
    with pytest.raises(TypeError, match="colour"):
        viz.plot_grid(torch.zeros(6, 5), "t", "c", "f", colour="red")


def test_elbow_analysis_is_readable(rect_som, quiet) -> None:
    viz = SOMVisualizer(rect_som)
    analysis = viz.elbow_analysis(max_k=6)
    assert analysis["k_values"] == [1, 2, 3, 4, 5, 6]
    assert analysis["elbow"] == 3 and analysis["feature_space"] == "weights"
    auto = rect_som.cluster(method="kmeans")
    assert auto["k_selection"]["k"] == analysis["elbow"]
    fig = viz.plot_elbow_analysis(max_k=6, feature_space="combined")
    assert fig.axes[0].get_title() == "Elbow analysis (k-means on combined)"
    with pytest.raises(ValueError, match="feature_space"):
        viz.elbow_analysis(feature_space="colour")
    tiny = SOM(x=1, y=2, num_features=2, device="cpu")
    with pytest.raises(ValueError, match="at least 3 neurons"):
        SOMVisualizer(tiny).elbow_analysis()


def test_comparison_grid_needs_results(rect_som) -> None:
    with pytest.raises(ValueError, match="empty"):
        SOMVisualizer(rect_som).plot_clustering_comparison_grid([])


def test_no_global_style_change(rect_som, groups, tmp_path, quiet) -> None:
    before = dict(mpl.rcParams)
    viz = SOMVisualizer(rect_som, VisualizationConfig(dpi=30))
    viz.plot_hit_map(groups[0])
    viz.plot_training_errors([1.0, 0.5], [1.0, 1.0], save_path=tmp_path)
    after = dict(mpl.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_safe_file_name_is_still_importable_from_the_visualizer() -> None:
    assert safe_file_name("a b/c:d") == "a_b_c_d"


def test_component_planes_use_the_maps_feature_names(rect_som, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(rect_som, "feature_names_in_", ["w", "x", "y", "z"], raising=False)
    viz = SOMVisualizer(rect_som, VisualizationConfig(dpi=30))
    fig = viz.plot_component_planes(save_path=tmp_path, separate_files=False)
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")] == [
        "w", "x", "y", "z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["component_planes.png"]


@pytest.mark.parametrize("figsize", [(12, 8), (6.4, 4.8)])
def test_no_two_texts_overlap_in_any_figure(any_som, groups, tmp_path, text_overlaps,
                                            figsize) -> None:
    """Every figure, at the default page and at the report's half-page size."""
    data, target = groups
    viz = SOMVisualizer(any_som, VisualizationConfig(dpi=30, figsize=figsize))
    bmus = any_som.build_map("bmus_data", data=data)
    result = any_som.cluster(method="kmeans", n_clusters=3)
    figures = [
        viz.plot_training_errors([1.0, 0.5], [3.0, 2.0], save_path=tmp_path),
        viz.plot_distance_map(save_path=tmp_path),
        viz.plot_hit_map(data, save_path=tmp_path),
        viz.plot_classification_map(bmus, data, target, save_path=tmp_path),
        viz.plot_component_planes(save_path=tmp_path, separate_files=False),
        viz.plot_cluster_map(result, save_path=tmp_path),
        viz.plot_silhouette_analysis(result, save_path=tmp_path),
        viz.plot_elbow_analysis(max_k=6, save_path=tmp_path),
    ]
    for fig in figures:
        assert text_overlaps(fig) == [], fig.axes[0].get_title()
