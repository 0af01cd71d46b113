"""Cluster quality measures agree with scikit-learn and handle noise and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from torchsom.clustering import (
    GridSpec,
    calinski_harabasz_score,
    clustering_metrics,
    davies_bouldin_score,
    silhouette_score,
)
from torchsom.clustering import labels as clustering_labels
from torchsom.exceptions import TorchSOMWarning


@pytest.fixture(scope="module")
def messy() -> tuple[np.ndarray, np.ndarray]:
    """Overlapping points with 4 uneven clusters, a singleton and some noise."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(90, 3))
    labels = rng.integers(1, 5, size=90)
    labels[:5] = -1
    labels[5] = 9  # a singleton cluster
    data[labels == 2] += 1.5
    return data, labels


def test_scores_match_scikit_learn(messy) -> None:
    data, labels = messy
    keep = labels != -1
    assert silhouette_score(data, labels) == pytest.approx(
        skm.silhouette_score(data[keep], labels[keep]), abs=1e-10)
    assert davies_bouldin_score(data, labels) == pytest.approx(
        skm.davies_bouldin_score(data[keep], labels[keep]), rel=1e-10)
    assert calinski_harabasz_score(data, labels) == pytest.approx(
        skm.calinski_harabasz_score(data[keep], labels[keep]), rel=1e-10)


def test_silhouette_is_chunked_without_changing_the_value(messy, monkeypatch) -> None:
    data, labels = messy
    whole = silhouette_score(data, labels)
    monkeypatch.setattr(clustering_labels, "BLOCK", 200)  # ~2 rows per chunk
    assert silhouette_score(torch.tensor(data), torch.tensor(labels)) == pytest.approx(whole)


def test_well_separated_groups_score_well(three_groups) -> None:
    points, labels = three_groups
    assert silhouette_score(points, labels) > 0.5
    assert 0 <= davies_bouldin_score(points, labels) < 2
    assert calinski_harabasz_score(points, labels) > 10


def test_degenerate_labellings() -> None:
    data = torch.rand(10, 2)
    one = torch.ones(10, dtype=torch.long)
    assert (silhouette_score(data, one), davies_bouldin_score(data, one),
            calinski_harabasz_score(data, one)) == (0.0, 0.0, 0.0)
    noise = -torch.ones(10, dtype=torch.long)
    assert (silhouette_score(data, noise), davies_bouldin_score(data, noise),
            calinski_harabasz_score(data, noise)) == (0.0, math.inf, 0.0)
    each = torch.arange(10)
    assert silhouette_score(data, each) == 0.0
    assert calinski_harabasz_score(data, each) == 0.0


def test_zero_spread_clusters() -> None:
    data = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    labels = torch.tensor([1, 1, 2, 2])
    assert davies_bouldin_score(data, labels) == 0.0
    assert calinski_harabasz_score(data, labels) == 1.0
    assert silhouette_score(data, labels) == pytest.approx(1.0)


def test_length_mismatch_is_reported() -> None:
    with pytest.raises(ValueError, match="same number of samples"):
        silhouette_score(torch.rand(5, 2), torch.ones(4))
    with pytest.raises(ValueError, match="same number of samples"):
        clustering_metrics(torch.rand(5, 2), torch.ones(4))


def test_clustering_metrics_keys_with_grid(three_groups) -> None:
    points, labels = three_groups
    labels = labels.clone()
    labels[:12] = -1
    out = clustering_metrics(points, labels, grid=GridSpec(10, 12))
    assert set(out) == {"silhouette_score", "davies_bouldin_score", "calinski_harabasz_score",
                        "n_clusters", "n_noise_points", "noise_ratio", "topological_quality",
                        "sample_size"}
    assert out["sample_size"] is None  # 120 neurons: exact
    assert out["n_clusters"] == 3 and out["n_noise_points"] == 12
    assert out["noise_ratio"] == pytest.approx(0.1)
    assert 0 < out["topological_quality"] <= 1


def test_clustering_metrics_without_grid_and_with_a_bad_grid(three_groups) -> None:
    points, labels = three_groups
    assert "topological_quality" not in clustering_metrics(points, labels)
    with pytest.warns(TorchSOMWarning, match="topological quality"):
        out = clustering_metrics(points, labels, grid=GridSpec(2, 2))
    assert math.isnan(out["topological_quality"])


def test_silhouette_samples_match_scikit_learn_and_mark_noise(messy) -> None:
    from torchsom.clustering import silhouette_samples

    data, labels = messy
    keep = labels != -1
    values = silhouette_samples(data, labels)
    assert bool(torch.isnan(values[~torch.tensor(keep)]).all())
    np.testing.assert_allclose(values[torch.tensor(keep)].numpy(),
                               skm.silhouette_samples(data[keep], labels[keep]), atol=1e-10)
    single = silhouette_samples(data, np.where(keep, 1, -1))
    assert bool((single[torch.tensor(keep)] == 0).all())
