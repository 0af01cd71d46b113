"""SOM.cluster: the result dict, feature spaces and metrics on a trained map."""

from __future__ import annotations

import pytest
import torch

from torchsom.clustering import clustering_features


@pytest.mark.parametrize("method", ["kmeans", "gmm", "hdbscan"])
@pytest.mark.parametrize("feature_space", ["weights", "positions", "combined"])
def test_cluster_result_dict(trained_som, method, feature_space) -> None:
    import warnings

    from torchsom.exceptions import TorchSOMWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)  # HDBSCAN may find nothing
        result = trained_som.cluster(method=method, n_clusters=3 if method != "hdbscan"
                                     else None, feature_space=feature_space)
    n = trained_som.x * trained_som.y
    assert result["labels"].shape == (n,) and result["labels"].dtype == torch.long
    labels = result["labels"]
    assert bool(((labels >= 1) | (labels == -1)).all())
    assert result["method"] == method and result["feature_space"] == feature_space
    expected = clustering_features(trained_som.weights, trained_som.topology, feature_space)
    torch.testing.assert_close(result["original_data"], expected)
    metrics = result["metrics"]
    for key in ("silhouette_score", "davies_bouldin_score", "calinski_harabasz_score",
                "n_clusters", "n_noise_points", "noise_ratio", "topological_quality"):
        assert key in metrics
    own = {"kmeans": "inertia", "gmm": "bic", "hdbscan": "noise_points"}[method]
    assert own in result


def test_cluster_weights_finds_the_three_groups(trained_som) -> None:
    result = trained_som.cluster(method="kmeans", feature_space="weights")
    assert result["n_clusters"] == 3
    assert result["k_selection"]["k"] == 3
    assert result["metrics"]["silhouette_score"] > 0.5


def test_cluster_rejects_bad_options(trained_som) -> None:
    with pytest.raises(ValueError, match="Unsupported clustering method"):
        trained_som.cluster(method="spectral")
    with pytest.raises(ValueError, match="feature_space"):
        trained_som.cluster(feature_space="colour")
