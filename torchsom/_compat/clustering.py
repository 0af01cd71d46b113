"""Clustering helpers with the calling convention of earlier releases.

``extract_clustering_features`` takes the map itself; the two ``_determine_optimal_*``
helpers return the chosen number of clusters alone. Each forwards to
:mod:`torchsom.clustering`, whose functions take tensors and return the whole choice.
"""

from __future__ import annotations

from typing import Any

import torch

from torchsom.clustering.features import clustering_features
from torchsom.clustering.selection import select_components_bic, select_k_elbow

__all__ = [
    "extract_clustering_features",
    "_determine_optimal_k_elbow",
    "_determine_optimal_components_bic",
]


def extract_clustering_features(som: Any, feature_space: str = "weights") -> torch.Tensor:
    """:func:`~torchsom.clustering.clustering_features` of a trained map.

    ``som`` is any object with a ``weights`` tensor of shape (x, y, num_features) and a
    ``topology`` string (a :class:`torchsom.SOM` qualifies).
    """
    return clustering_features(som.weights, getattr(som, "topology", "rectangular"),
                               feature_space)


def _determine_optimal_k_elbow(
    data: Any, max_k: int = 10, random_state: int | None = 42
) -> int:
    """The elbow ``k`` of ``data`` (see :func:`~torchsom.clustering.select_k_elbow`)."""
    return int(select_k_elbow(data, max_k, random_state)["k"])


def _determine_optimal_components_bic(
    data: Any, random_state: int | None = 42, max_components: int = 10
) -> int:
    """The BIC-optimal component count (see
    :func:`~torchsom.clustering.select_components_bic`)."""
    return int(select_components_bic(data, max_components, random_state)["k"])
