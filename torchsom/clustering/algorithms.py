"""Clustering of SOM neurons with scikit-learn: k-means, Gaussian mixtures and HDBSCAN.

Every function takes plain tensors (one row per neuron) and returns a result dict:

``labels``
    ``torch.LongTensor`` of shape (n_samples,), **1-based** cluster ids; ``-1`` marks
    HDBSCAN noise.
``centers``
    Tensor of shape (n_clusters, n_features).
``n_clusters``
    Python ``int``: the number of distinct labels other than ``-1``. A k-means or GMM
    cluster that ends up holding no sample (e.g. on data with fewer distinct rows than
    clusters, such as a constant codebook) is dropped with a
    :class:`~torchsom.exceptions.TorchSOMWarning`, and ``centers`` has one row per
    remaining cluster.
``method``
    ``"kmeans"``, ``"gmm"`` or ``"hdbscan"``.

plus ``inertia`` (k-means), ``bic``/``aic`` (GMM) or ``noise_points`` (HDBSCAN), all
Python numbers. When the number of clusters was chosen automatically, ``k_selection``
holds the criterion, the curve it was read from and the chosen ``k`` (see
:mod:`torchsom.clustering.selection`).

The rows clustered are chosen by :func:`~torchsom.clustering.features.clustering_features`.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import torch

from torchsom._registry import check_choice
from torchsom.clustering.selection import (
    select_components_bic,
    select_k_elbow,
    sklearn_threads,
)
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning

__all__ = [
    "METHODS",
    "cluster_data",
    "cluster_kmeans",
    "cluster_gmm",
    "cluster_hdbscan",
]

METHODS = ("kmeans", "gmm", "hdbscan")


# ---------------------------------------------------------------------------- helpers
def _check_cluster_input(data: Any) -> torch.Tensor:
    tensor = data if isinstance(data, torch.Tensor) else torch.as_tensor(np.asarray(data))
    if tensor.numel() == 0:
        raise ValueError("Cannot cluster empty data: got shape "
                         f"{tuple(tensor.shape)}; at least 2 samples are needed.")
    if tensor.dim() != 2:
        raise ValueError(
            "Data must be 2D tensor of shape (n_samples, n_features); got "
            f"{tensor.dim()}-D shape {tuple(tensor.shape)}."
        )
    if tensor.shape[0] < 2:
        raise ValueError(
            f"Need at least 2 samples for clustering; got {tensor.shape[0]}."
        )
    if not tensor.is_floating_point():
        tensor = tensor.float()
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError("Data to cluster contains NaN or inf values; clean it first.")
    return tensor


def _to_numpy(data: torch.Tensor) -> np.ndarray:
    return data.detach().cpu().double().numpy()


def _labels_tensor(labels: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.asarray(labels, dtype=np.int64), device=like.device)


def _centers_tensor(centers: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.asarray(centers), dtype=like.dtype, device=like.device)


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InvalidParameterError(f"{name} must be None or an int >= 1; got {value!r}.")
    return int(value)


def _fit_count(name: str, k: int, n_samples: int, explicit: bool) -> int:
    """Clip a cluster count to ``n_samples - 1``, warning when the user asked for more."""
    top = max(1, n_samples - 1)
    if k > top and explicit:
        warnings.warn(
            f"{name}={k} is too many for {n_samples} samples (at most {top}); using "
            f"{name}={top}.",
            TorchSOMWarning,
            stacklevel=3,
        )
    return min(k, top)


def _used_clusters(
    method: str, raw: np.ndarray, centers: np.ndarray, requested: int, n_samples: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Keep the clusters that hold at least one sample.

    ``raw`` holds 0-based cluster ids in ``[0, requested)``. Returns 1-based labels
    numbered in the order of the algorithm's ids, the centres of the used clusters and
    their count; warns when fewer clusters than ``requested`` hold samples (e.g. on data
    with fewer distinct rows than clusters), so ``n_clusters`` always equals the number
    of distinct labels.
    """
    used = np.unique(raw)
    if used.size == requested:
        return raw + 1, centers, requested
    warnings.warn(
        f"{method} was asked for {requested} clusters but only {used.size} hold samples "
        f"(the {n_samples} samples may have fewer distinct values); the result has "
        f"n_clusters={used.size}.",
        TorchSOMWarning,
        stacklevel=3,
    )
    lookup = np.zeros(requested, dtype=np.int64)
    lookup[used] = np.arange(1, used.size + 1)
    return lookup[raw], centers[used], int(used.size)


# ---------------------------------------------------------------------------- algorithms
def cluster_kmeans(
    data: Any, n_clusters: int | None = None, random_state: int | None = 42, **kwargs: Any
) -> dict[str, Any]:
    """K-means (``sklearn.cluster.KMeans``, 10 restarts by default).

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, n_features).
    n_clusters : int, optional
        Number of clusters; ``None`` picks it with the elbow criterion
        (:func:`torchsom.clustering.select_k_elbow`). A larger value than
        ``n_samples - 1`` is reduced to it with a
        :class:`~torchsom.exceptions.TorchSOMWarning`.
    random_state : int, optional
        Seed; the same seed gives the same labels.
    **kwargs
        Passed to ``KMeans`` (e.g. ``max_iter``, ``n_init``).

    Returns
    -------
    dict
        ``labels`` (1-based), ``centers``, ``n_clusters``, ``method="kmeans"``,
        ``inertia`` and, for automatic ``k``, ``k_selection``.
    """
    from sklearn.cluster import KMeans

    tensor = _check_cluster_input(data)
    array = _to_numpy(tensor)
    selection = None
    if n_clusters is None:
        selection = select_k_elbow(array, random_state=random_state)
        k = int(selection["k"])
    else:
        k = _check_count("n_clusters", n_clusters)
    k = _fit_count("n_clusters", k, array.shape[0], n_clusters is not None)
    params = {"n_init": 10, **kwargs}
    model = KMeans(n_clusters=k, random_state=random_state, **params)
    with sklearn_threads(array.shape[0]), warnings.catch_warnings():
        # replaced by the warning of _used_clusters, which says what the result holds
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        raw = model.fit_predict(array)
    labels, centers, found = _used_clusters("k-means", raw, model.cluster_centers_, k,
                                            array.shape[0])
    result: dict[str, Any] = {
        "labels": _labels_tensor(labels, tensor),
        "centers": _centers_tensor(centers, tensor),
        "n_clusters": found,
        "method": "kmeans",
        "inertia": float(model.inertia_),
    }
    if selection is not None:
        result["k_selection"] = selection
    return result


def cluster_gmm(
    data: Any, n_components: int | None = None, random_state: int | None = 42, **kwargs: Any
) -> dict[str, Any]:
    """Gaussian mixture (``sklearn.mixture.GaussianMixture``, k-means++ start).

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, n_features).
    n_components : int, optional
        Number of components; ``None`` picks the one with the lowest BIC
        (:func:`torchsom.clustering.select_components_bic`).
    random_state : int, optional
        Seed.
    **kwargs
        Passed to ``GaussianMixture`` (e.g. ``covariance_type``).

    Returns
    -------
    dict
        ``labels`` (1-based), ``centers`` (the means), ``n_clusters``,
        ``method="gmm"``, ``bic``, ``aic`` (on ``data``) and, for an automatic count,
        ``k_selection``.
    """
    from sklearn.mixture import GaussianMixture

    tensor = _check_cluster_input(data)
    array = _to_numpy(tensor)
    selection = None
    if n_components is None:
        selection = select_components_bic(array, random_state=random_state)
        c = int(selection["k"])
    else:
        c = _check_count("n_components", n_components)
    c = _fit_count("n_components", c, array.shape[0], n_components is not None)
    params = {"init_params": "k-means++", **kwargs}
    model = GaussianMixture(n_components=c, random_state=random_state, **params)
    with sklearn_threads(array.shape[0]):
        model.fit(array)
        raw = model.predict(array)
    labels, centers, found = _used_clusters("GMM", raw, model.means_, c, array.shape[0])
    result: dict[str, Any] = {
        "labels": _labels_tensor(labels, tensor),
        "centers": _centers_tensor(centers, tensor),
        "n_clusters": found,
        "method": "gmm",
        "bic": float(model.bic(array)),
        "aic": float(model.aic(array)),
    }
    if selection is not None:
        result["k_selection"] = selection
    return result


def default_min_cluster_size(n_samples: int) -> int:
    """HDBSCAN's default ``min_cluster_size``: ``max(5, n_samples // 10)``.

    A cluster of the map must cover a tenth of the neurons. Smaller dense groups on a
    trained map are usually the interpolating neurons a SOM places between real clusters,
    not clusters of the data; a tenth also matches the ``k <= 10`` searched by the
    automatic k-means and GMM counts.
    """
    return max(5, n_samples // 10)


def cluster_hdbscan(
    data: Any, min_cluster_size: int | None = None, **kwargs: Any
) -> dict[str, Any]:
    """HDBSCAN (``sklearn.cluster.HDBSCAN``); it finds the number of clusters itself.

    Labels are the fitted ``labels_`` (no re-prediction), remapped so that clusters are
    numbered ``1..k`` in the order of scikit-learn's ids; noise stays ``-1``. If no
    cluster is found, a :class:`~torchsom.exceptions.TorchSOMWarning` is issued and every
    sample is put in cluster 1.

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, n_features).
    min_cluster_size : int, optional
        Smallest cluster; defaults to :func:`default_min_cluster_size` and is clipped to
        ``[2, n_samples]``.
    **kwargs
        Passed to ``HDBSCAN`` (e.g. ``min_samples``, ``cluster_selection_epsilon``).

    Returns
    -------
    dict
        ``labels``, ``centers`` (member means), ``n_clusters``, ``method="hdbscan"``,
        ``noise_points`` (an ``int``) and ``min_cluster_size``.
    """
    from sklearn.cluster import HDBSCAN

    tensor = _check_cluster_input(data)
    array = _to_numpy(tensor)
    n = array.shape[0]
    if min_cluster_size is None:
        size = default_min_cluster_size(n)
    else:
        size = _check_count("min_cluster_size", min_cluster_size)
    size = min(max(2, size), n)
    params = {"copy": True, **kwargs}
    with sklearn_threads(n):
        raw = HDBSCAN(min_cluster_size=size, **params).fit(array).labels_
    found = np.unique(raw[raw >= 0])
    if found.size == 0:
        warnings.warn(
            f"HDBSCAN found no clusters among {n} samples (min_cluster_size={size}); "
            "all of them are put in one cluster. Try a smaller min_cluster_size.",
            TorchSOMWarning,
            stacklevel=2,
        )
        labels = np.ones(n, dtype=np.int64)
        centers = array.mean(axis=0, keepdims=True)
    else:
        lookup = {int(old): new for new, old in enumerate(found, start=1)}
        labels = np.array([lookup.get(int(v), -1) for v in raw], dtype=np.int64)
        centers = np.stack([array[labels == c].mean(axis=0) for c in range(1, found.size + 1)])
    return {
        "labels": _labels_tensor(labels, tensor),
        "centers": _centers_tensor(centers, tensor),
        "n_clusters": int(max(1, found.size)),
        "method": "hdbscan",
        "noise_points": int((labels == -1).sum()),
        "min_cluster_size": size,
    }


def cluster_data(
    data: Any, method: str = "kmeans", n_clusters: int | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Cluster the rows of ``data`` with one of :data:`METHODS`.

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, n_features), at least 2 rows.
    method : {"kmeans", "gmm", "hdbscan"}
        Algorithm.
    n_clusters : int, optional
        Number of clusters (k-means) or components (GMM); ``None`` chooses it (elbow
        for k-means, BIC for GMM). HDBSCAN chooses it itself: a value given here is
        ignored with a :class:`~torchsom.exceptions.TorchSOMWarning`.
    **kwargs
        Passed to the algorithm's function.

    Returns
    -------
    dict
        See the module documentation.

    Raises
    ------
    ValueError
        For empty, non-2-D or single-row data, or an unknown method.
    """
    check_choice("method", method, METHODS, "Unsupported clustering method")
    tensor = _check_cluster_input(data)
    if method == "kmeans":
        return cluster_kmeans(tensor, n_clusters=n_clusters, **kwargs)
    if method == "gmm":
        return cluster_gmm(tensor, n_components=n_clusters, **kwargs)
    if n_clusters is not None:
        warnings.warn(
            f"n_clusters={n_clusters!r} is ignored by HDBSCAN, which finds the number of "
            "clusters itself; tune min_cluster_size instead.",
            TorchSOMWarning,
            stacklevel=2,
        )
    kwargs.pop("random_state", None)  # HDBSCAN is deterministic
    return cluster_hdbscan(tensor, **kwargs)
