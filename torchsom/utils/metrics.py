"""Compatibility path: the ``calculate_*`` quality functions (adapters in
:mod:`torchsom._compat.metrics`, forwarding to :mod:`torchsom.clustering.metrics` and
:mod:`torchsom.functional.metrics`)."""

from torchsom._compat.metrics import (
    calculate_calinski_harabasz_score,
    calculate_clustering_metrics,
    calculate_davies_bouldin_score,
    calculate_quantization_error,
    calculate_silhouette_score,
    calculate_topographic_error,
    calculate_topological_clustering_quality,
)

__all__ = [
    "calculate_quantization_error",
    "calculate_topographic_error",
    "calculate_silhouette_score",
    "calculate_davies_bouldin_score",
    "calculate_calinski_harabasz_score",
    "calculate_topological_clustering_quality",
    "calculate_clustering_metrics",
]
