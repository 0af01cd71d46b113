"""Compatibility path: the clustering functions (:mod:`torchsom.clustering`) and the old
helpers' adapters (:mod:`torchsom._compat.clustering`)."""

from torchsom._compat.clustering import (
    _determine_optimal_components_bic,
    _determine_optimal_k_elbow,
    extract_clustering_features,
)
from torchsom.clustering.algorithms import (
    cluster_data,
    cluster_gmm,
    cluster_hdbscan,
    cluster_kmeans,
)

__all__ = [
    "cluster_data",
    "cluster_gmm",
    "cluster_hdbscan",
    "cluster_kmeans",
    "extract_clustering_features",
    "_determine_optimal_components_bic",
    "_determine_optimal_k_elbow",
]
