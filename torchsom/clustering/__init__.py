"""Clustering of trained map neurons (scikit-learn) and cluster quality measures.

This package receives tensors and grid descriptions, never a SOM object;
:meth:`torchsom.SOM.cluster` is the usual entry point.
"""

from torchsom.clustering.algorithms import (
    METHODS,
    cluster_data,
    cluster_gmm,
    cluster_hdbscan,
    cluster_kmeans,
    default_min_cluster_size,
)
from torchsom.clustering.elbow import elbow_analysis
from torchsom.clustering.features import FEATURE_SPACES, clustering_features
from torchsom.clustering.metrics import (
    GridSpec,
    calinski_harabasz_score,
    clustering_metrics,
    davies_bouldin_score,
    noise_ratio,
    silhouette_samples,
    silhouette_score,
    topological_quality,
)
from torchsom.clustering.selection import (
    bic_curve,
    default_max_k,
    elbow_curve,
    find_elbow,
    select_components_bic,
    select_k_elbow,
)

__all__ = [
    "FEATURE_SPACES",
    "METHODS",
    "GridSpec",
    "bic_curve",
    "calinski_harabasz_score",
    "cluster_data",
    "cluster_gmm",
    "cluster_hdbscan",
    "cluster_kmeans",
    "clustering_features",
    "clustering_metrics",
    "davies_bouldin_score",
    "default_max_k",
    "default_min_cluster_size",
    "elbow_analysis",
    "elbow_curve",
    "find_elbow",
    "noise_ratio",
    "select_components_bic",
    "select_k_elbow",
    "silhouette_samples",
    "silhouette_score",
    "topological_quality",
]
