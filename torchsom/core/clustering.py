"""Glue between :meth:`torchsom.SOM.cluster` and :mod:`torchsom.clustering`."""

from __future__ import annotations

from typing import Any

from torchsom._registry import check_choice
from torchsom.clustering import (
    FEATURE_SPACES,
    METHODS,
    GridSpec,
    cluster_data,
    clustering_features,
    clustering_metrics,
)

__all__ = ["cluster_som"]


def cluster_som(
    som: Any,
    method: str = "kmeans",
    n_clusters: int | None = None,
    feature_space: str = "weights",
    **kwargs: Any,
) -> dict[str, Any]:
    """Cluster the neurons of ``som``.

    Parameters
    ----------
    som : torchsom.SOM
        The trained map.
    method : {"kmeans", "gmm", "hdbscan"}
        Algorithm (all from scikit-learn).
    n_clusters : int, optional
        Number of clusters; ``None`` chooses it (elbow for k-means, BIC for GMM).
        HDBSCAN always chooses it itself.
    feature_space : {"weights", "positions", "combined"}
        What describes a neuron: its codebook vector, its grid position, or both
        (each part standardised before they are joined).
    **kwargs
        Passed to the clustering function (e.g. ``random_state``, ``min_cluster_size``).

    Returns
    -------
    dict
        ``labels`` (LongTensor of shape (x·y,), 1-based, ``-1`` for noise, flat
        row-major neuron order), ``centers``, ``n_clusters``, ``method``, the method's
        own entries (``inertia``; ``bic``/``aic``; ``noise_points``), ``k_selection``
        when the count was chosen automatically, ``metrics`` (see
        :func:`torchsom.clustering.clustering_metrics`), ``feature_space`` and
        ``original_data`` (the clustered features, shape (x·y, d)).
    """
    check_choice("method", method, METHODS, "Unsupported clustering method")
    check_choice("feature_space", feature_space, FEATURE_SPACES, "Unsupported feature space")
    features = clustering_features(som.weights.detach(), som.topology, feature_space)
    result = cluster_data(features, method=method, n_clusters=n_clusters, **kwargs)
    grid = GridSpec(int(som.x), int(som.y), som.topology, bool(som.pbc))
    result["metrics"] = clustering_metrics(features, result["labels"], grid=grid)
    result["feature_space"] = feature_space
    result["original_data"] = features
    return result
