"""The elbow analysis of a map's neurons: the k-means inertia curve and its bend.

The numbers behind :meth:`SOMVisualizer.plot_elbow_analysis
<torchsom.visualization.SOMVisualizer.plot_elbow_analysis>`. It receives the codebook and
the grid's topology, never a SOM object.
"""

from __future__ import annotations

from typing import Any

import torch

from torchsom._validation import check_int
from torchsom.clustering.features import FEATURE_SPACES, clustering_features
from torchsom.clustering.selection import elbow_curve, find_elbow

__all__ = ["elbow_analysis"]


def elbow_analysis(
    weights: torch.Tensor, topology: str, max_k: int = 10, feature_space: str = "weights"
) -> dict[str, Any]:
    """The k-means inertia curve of the neurons and its elbow.

    ``max_k`` is clipped to ``x·y − 1``. With the default arguments the elbow is the
    ``k`` that ``som.cluster(method="kmeans")`` chooses by itself.

    Parameters
    ----------
    weights : torch.Tensor
        The codebook, shape (x, y, num_features).
    topology : {"rectangular", "hexagonal"}
        Grid geometry (used by the ``positions`` and ``combined`` feature spaces).
    max_k : int, default=10
        Largest number of clusters tried (>= 2 after clipping).
    feature_space : {"weights", "positions", "combined"}, default="weights"
        What the neurons are clustered on.

    Returns
    -------
    dict
        ``{"k_values": [1, …, max_k], "inertia": [...], "elbow": int,
        "feature_space": str}``.

    Raises
    ------
    ValueError
        For an unknown feature space or a map with fewer than 3 neurons.
    InvalidParameterError
        If ``max_k`` is not an int >= 1.
    """
    if feature_space not in FEATURE_SPACES:
        raise ValueError(
            f"feature_space={feature_space!r} is not valid; expected one of "
            f"{', '.join(map(repr, FEATURE_SPACES))}."
        )
    max_k = check_int("max_k", max_k, 1)
    n = int(weights.shape[0]) * int(weights.shape[1])
    top = min(max_k, n - 1)
    if top < 2:
        raise ValueError(
            f"an elbow analysis needs max_k >= 2 and a map of at least 3 neurons; got "
            f"max_k={max_k} on {n} neurons."
        )
    features = clustering_features(weights, topology, feature_space)
    k_values, inertia = elbow_curve(features, max_k=top)
    return {"k_values": k_values, "inertia": inertia,
            "elbow": find_elbow(k_values, inertia), "feature_space": feature_space}
