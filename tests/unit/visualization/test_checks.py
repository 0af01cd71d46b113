"""Plot entry points reject bad input with errors that name the argument."""

from __future__ import annotations

import pytest
import torch

from torchsom.visualization import SOMVisualizer
from torchsom.visualization._checks import (
    as_numeric,
    check_curve,
    check_names,
    check_positive_int,
    check_result,
    check_results_list,
    check_save_path,
)


def test_as_numeric() -> None:
    assert as_numeric([[1, 2]], "m").dtype.kind == "f"
    with pytest.raises(TypeError, match="m must hold real numbers; got a str"):
        as_numeric("abc", "m")
    with pytest.raises(TypeError, match="complex"):
        as_numeric(torch.zeros(2, dtype=torch.complex64), "m")
    with pytest.raises(ValueError, match="rectangular"):
        as_numeric([[1, 2], [3]], "m")


def test_check_curve() -> None:
    assert check_curve(torch.tensor([1.0, 2.0]), "q").tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"q must be one value per epoch.*\(2, 2\)"):
        check_curve([[1, 2], [3, 4]], "q")
    with pytest.raises(ValueError, match="q is empty"):
        check_curve([], "q")


def test_check_result_and_list() -> None:
    assert check_result({"labels": 1}) == {"labels": 1}
    with pytest.raises(TypeError, match="cluster_result must be the dict"):
        check_result(None)
    with pytest.raises(ValueError, match=r"lacks the key\(s\) \['labels'\]"):
        check_result({})
    with pytest.raises(TypeError, match="results_list must be a list"):
        check_results_list({"metrics": {}}, ("metrics",))
    with pytest.raises(ValueError, match="results_list is empty"):
        check_results_list([], ("metrics",))
    with pytest.raises(ValueError, match=r"results_list\[1\] lacks"):
        check_results_list([{"metrics": {}}, {}], ("metrics",))


def test_small_checks() -> None:
    check_save_path(None)
    check_save_path("out")
    with pytest.raises(TypeError, match="save_path must be a folder path"):
        check_save_path(3)
    assert check_names(("a", 1), "names") == ["a", "1"]
    with pytest.raises(TypeError, match="names must be a list of strings"):
        check_names("abc", "names")
    assert check_positive_int(3, "k") == 3
    with pytest.raises(ValueError, match="k must be an int >= 2; got 1"):
        check_positive_int(1, "k", 2)
    with pytest.raises(ValueError, match="k must be an int >= 1; got True"):
        check_positive_int(True, "k")


def test_visualizer_rejects_bad_config_and_inputs(rect_som, groups, tmp_path) -> None:
    with pytest.raises(TypeError, match="config must be a VisualizationConfig"):
        SOMVisualizer(rect_som, config="x")
    viz = SOMVisualizer(rect_som)
    with pytest.raises(TypeError, match="save_path"):
        viz.plot_distance_map(save_path=3)
    with pytest.raises(TypeError, match="component_names"):
        viz.plot_component_planes("abc")
    with pytest.raises(ValueError, match="max_k must be an int"):
        viz.plot_elbow_analysis(max_k="a")
    with pytest.raises(TypeError, match="cluster_result"):
        viz.plot_cluster_map(None)
    with pytest.raises(ValueError, match="original_data"):
        viz.plot_silhouette_analysis({"labels": torch.ones(30)})
    with pytest.raises(ValueError, match=r"results_list\[0\]"):
        viz.plot_cluster_quality_comparison([{}])
    with pytest.raises(ValueError, match=r"results_list\[0\]"):
        viz.plot_clustering_comparison_grid([{}])
    data, target = groups
    bmus = rect_som.build_map("bmus_data", data=data, return_indices=True)
    with pytest.raises(ValueError, match="total_samples=5 is smaller than the 60 samples"):
        viz.plot_score_map(bmus, target.float(), 5)
    with pytest.raises(TypeError, match="map must hold real numbers"):
        viz.plot_grid("abc", "t", "c", "f")
