"""k-means, GMM and HDBSCAN on tensors: result dicts, label conventions, validation."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score

from torchsom.clustering import (
    cluster_data,
    cluster_gmm,
    cluster_hdbscan,
    cluster_kmeans,
    default_min_cluster_size,
)
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning


@pytest.mark.parametrize("method", ["kmeans", "gmm", "hdbscan"])
def test_cluster_data_recovers_three_groups_with_one_based_labels(three_groups, method) -> None:
    points, truth = three_groups
    result = cluster_data(points, method=method)
    labels = result["labels"]
    assert labels.dtype == torch.long and labels.shape == (120,)
    assert result["method"] == method
    assert isinstance(result["n_clusters"], int) and result["n_clusters"] == 3
    assert set(labels[labels != -1].tolist()) == {1, 2, 3}
    assert result["centers"].shape == (3, 2)
    assert result["centers"].dtype == points.dtype
    keep = labels != -1
    assert adjusted_rand_score(truth[keep].numpy(), labels[keep].numpy()) == 1.0


def test_kmeans_result_keys_and_types(three_groups) -> None:
    result = cluster_kmeans(three_groups[0], n_clusters=3)
    assert isinstance(result["inertia"], float)
    assert "k_selection" not in result


def test_kmeans_automatic_k_is_readable(three_groups) -> None:
    result = cluster_kmeans(three_groups[0])
    selection = result["k_selection"]
    assert selection["criterion"] == "elbow" and selection["k"] == result["n_clusters"] == 3
    assert int(result["labels"].max()) == result["n_clusters"]
    assert len(result["centers"]) == result["n_clusters"]


def test_kmeans_passes_kwargs_and_is_reproducible(three_groups) -> None:
    a = cluster_kmeans(three_groups[0], n_clusters=4, max_iter=50, random_state=42)
    b = cluster_kmeans(three_groups[0], n_clusters=4, max_iter=50, random_state=42)
    assert torch.equal(a["labels"], b["labels"])
    assert torch.equal(a["centers"], b["centers"])


def test_kmeans_rejects_unknown_kwargs(three_groups) -> None:
    with pytest.raises(TypeError, match="not_a_parameter"):
        cluster_kmeans(three_groups[0], n_clusters=2, not_a_parameter=1)


def test_too_many_clusters_are_reduced_with_a_warning() -> None:
    data = torch.tensor([[0.0], [1.0], [5.0]])
    with pytest.warns(TorchSOMWarning, match="n_clusters=10 is too many for 3 samples"):
        assert cluster_kmeans(data, n_clusters=10)["n_clusters"] == 2
    with pytest.warns(TorchSOMWarning, match="n_components=3 is too many"):
        assert cluster_gmm(data, n_components=3)["n_clusters"] == 2


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_kmeans_rejects_bad_counts(three_groups, bad) -> None:
    with pytest.raises(InvalidParameterError, match="n_clusters"):
        cluster_kmeans(three_groups[0], n_clusters=bad)


def test_gmm_result_keys(three_groups) -> None:
    result = cluster_gmm(three_groups[0], n_components=3)
    assert isinstance(result["bic"], float) and isinstance(result["aic"], float)
    auto = cluster_gmm(three_groups[0])
    assert auto["k_selection"]["criterion"] == "bic"
    assert auto["k_selection"]["k"] == auto["n_clusters"]


def test_hdbscan_noise_is_minus_one_and_counted_as_int() -> None:
    gen = torch.Generator().manual_seed(1)
    blobs = torch.cat([torch.randn(40, 2, generator=gen) * 0.2,
                       torch.randn(40, 2, generator=gen) * 0.2 + 8])
    outliers = torch.tensor([[30.0, -30.0], [-30.0, 30.0]])
    result = cluster_hdbscan(torch.cat([blobs, outliers]))
    labels = result["labels"]
    assert labels[-2:].tolist() == [-1, -1]
    assert type(result["noise_points"]) is int
    assert result["noise_points"] == int((labels == -1).sum())
    assert result["n_clusters"] == 2 and set(labels[labels > 0].tolist()) == {1, 2}
    member_mean = blobs[:40][labels[:40] == labels[0]].mean(0)
    assert torch.allclose(result["centers"][int(labels[0]) - 1], member_mean, atol=1e-5)


def test_hdbscan_default_min_cluster_size() -> None:
    assert default_min_cluster_size(375) == 37
    assert default_min_cluster_size(20) == 5
    with pytest.warns(TorchSOMWarning):
        result = cluster_hdbscan(torch.rand(30, 2), min_cluster_size=100)
    assert result["min_cluster_size"] == 30


def test_hdbscan_without_clusters_warns_and_uses_one_cluster() -> None:
    with pytest.warns(TorchSOMWarning, match="no clusters"):
        result = cluster_hdbscan(torch.rand(4, 2))
    assert result["labels"].tolist() == [1, 1, 1, 1]
    assert result["n_clusters"] == 1 and result["noise_points"] == 0


def test_hdbscan_ignores_n_clusters_with_a_warning(three_groups) -> None:
    with pytest.warns(TorchSOMWarning, match="ignored by HDBSCAN"):
        result = cluster_data(three_groups[0], method="hdbscan", n_clusters=7, random_state=1)
    assert result["n_clusters"] == 3


def test_cluster_data_accepts_numpy_and_int_input() -> None:
    result = cluster_data(np.array([[0, 0], [0, 1], [9, 9], [9, 8]]), n_clusters=2)
    assert sorted(result["labels"].tolist()) == [1, 1, 2, 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (torch.empty(0, 3), "Cannot cluster empty data"),
        (torch.rand(4), "Data must be 2D tensor"),
        (torch.rand(1, 3), "Need at least 2 samples for clustering"),
        (torch.tensor([[0.0, float("nan")], [1.0, 1.0]]), "NaN or inf"),
    ],
)
def test_cluster_data_rejects_bad_input(data, message) -> None:
    with pytest.raises(ValueError, match=message):
        cluster_data(data)


def test_cluster_data_rejects_unknown_method(three_groups) -> None:
    with pytest.raises(ValueError, match="Unsupported clustering method.*'dbscan'"):
        cluster_data(three_groups[0], method="dbscan")


def test_sklearn_is_not_imported_by_torchsom() -> None:
    code = "import torchsom, sys; print('sklearn' in sys.modules)"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_no_warning_for_the_usual_calls(three_groups) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("kmeans", "gmm", "hdbscan"):
            cluster_data(three_groups[0], method=method)
