"""Compatibility module: the clustering functions now live in :mod:`torchsom.clustering`."""

from torchsom.clustering.algorithms import (
    cluster_data,
    cluster_gmm,
    cluster_hdbscan,
    cluster_kmeans,
    extract_clustering_features,
)
from torchsom.clustering.selection import (
    _determine_optimal_components_bic,
    _determine_optimal_k_elbow,
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
