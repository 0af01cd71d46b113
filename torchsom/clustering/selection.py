"""Choosing the number of clusters automatically.

Two criteria are provided:

* **Elbow** (k-means). The inertia curve ``I(k)`` is computed for ``k = 1 .. max_k``
  (``I(1)`` is the total sum of squares). The elbow is the ``k`` where the curve bends
  most: the largest ratio between the drop that reaches ``k`` and the drop that leaves
  it, ``(I(k-1) - I(k)) / (I(k) - I(k+1))``. Unlike the raw second difference, this ratio
  does not depend on the scale of the inertia, so it is not pulled towards small ``k``.
* **BIC** (Gaussian mixtures). The number of components with the lowest Bayesian
  information criterion among ``1 .. max_components``.

Both return the whole curve with the choice, so the chosen ``k`` can be read, checked
and plotted (:func:`elbow_curve`, :func:`bic_curve`).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from typing import Any

import numpy as np
import torch

__all__ = [
    "default_max_k",
    "elbow_curve",
    "find_elbow",
    "select_k_elbow",
    "bic_curve",
    "select_components_bic",
]


#: below this many rows scikit-learn runs single-threaded: for a codebook of a few thousand
#: neurons, OpenMP start-up and oversubscription cost more than the parallel work saves
_SINGLE_THREAD_ROWS = 20_000


def sklearn_threads(n_rows: int) -> contextlib.AbstractContextManager[Any]:
    """Context limiting scikit-learn's native threads to 1 for small inputs."""
    if n_rows >= _SINGLE_THREAD_ROWS:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _as_numpy(data: Any) -> np.ndarray:
    if isinstance(data, torch.Tensor):
        return data.detach().cpu().double().numpy()
    return np.asarray(data, dtype=np.float64)


def default_max_k(n_samples: int, max_k: int = 10) -> int:
    """The largest ``k`` searched by default: ``min(max_k, max(2, floor(sqrt(n))))``."""
    return min(max_k, max(2, int(math.isqrt(max(n_samples, 0)))))


def elbow_curve(
    data: Any, max_k: int = 10, random_state: int | None = 42, n_init: int = 10
) -> tuple[list[int], list[float]]:
    """K-means inertia for ``k = 1 .. max_k``.

    Parameters
    ----------
    data : array-like
        Shape (n_samples, n_features).
    max_k : int, default=10
        Largest ``k``; it is clipped to ``n_samples``.
    random_state : int, optional
        Seed of k-means.
    n_init : int, default=10
        k-means restarts per ``k``.

    Returns
    -------
    k_values : list of int
        ``[1, 2, ..., max_k]``.
    inertias : list of float
        Within-cluster sum of squares for each ``k``; ``inertias[0]`` is the total sum
        of squares around the mean.
    """
    from sklearn.cluster import KMeans

    array = _as_numpy(data)
    n = array.shape[0]
    top = max(1, min(int(max_k), n))
    k_values = list(range(1, top + 1))
    inertias = [float(((array - array.mean(axis=0)) ** 2).sum())]
    with sklearn_threads(n), warnings.catch_warnings():
        # data with fewer distinct rows than k: the inertia is still right (and the
        # final clustering warns about clusters without samples)
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        for k in k_values[1:]:
            model = KMeans(n_clusters=k, random_state=random_state, n_init=n_init)
            inertias.append(float(model.fit(array).inertia_))
    return k_values, inertias


def find_elbow(k_values: Any, inertias: Any) -> int:
    """The elbow of an inertia curve.

    Parameters
    ----------
    k_values : sequence of int
        Consecutive cluster counts, ascending.
    inertias : sequence of float
        Inertia for each ``k`` (same length).

    Returns
    -------
    int
        The ``k`` with the largest ratio between the drop reaching it and the drop
        leaving it. With fewer than three points there is no bend to measure, and the
        answer is ``min(2, k_values[-1])`` when ``k_values`` starts at 1, else the first
        ``k``.

    Raises
    ------
    ValueError
        If the two sequences are empty or of different lengths.
    """
    ks = [int(k) for k in k_values]
    values = np.asarray(list(inertias), dtype=np.float64)
    if not ks or len(ks) != values.shape[0]:
        raise ValueError(
            "k_values and inertias must be non-empty and of the same length; got "
            f"{len(ks)} and {values.shape[0]}."
        )
    if len(ks) < 3:
        return min(2, ks[-1]) if ks[0] == 1 else ks[0]
    # Inertia can only fall as k grows; a k-means run stuck in a worse optimum is
    # replaced by the best value seen so far.
    values = np.minimum.accumulate(values)
    drops = values[:-1] - values[1:]
    floor = max(1e-12, 1e-9 * float(values[0] - values[-1]))
    ratios = drops[:-1] / np.maximum(drops[1:], floor)
    return ks[1 + int(np.argmax(ratios))]


def select_k_elbow(
    data: Any, max_k: int = 10, random_state: int | None = 42
) -> dict[str, Any]:
    """Pick the number of k-means clusters with the elbow criterion.

    ``max_k`` is first reduced to :func:`default_max_k` of the sample count.

    Returns
    -------
    dict
        ``{"criterion": "elbow", "k": int, "k_values": list, "scores": list}`` where
        ``scores`` are the inertias.
    """
    n = _as_numpy(data).shape[0]
    k_values, inertias = elbow_curve(data, default_max_k(n, max_k), random_state)
    return {
        "criterion": "elbow",
        "k": find_elbow(k_values, inertias),
        "k_values": k_values,
        "scores": inertias,
    }


def bic_curve(
    data: Any, max_components: int = 10, random_state: int | None = 42
) -> tuple[list[int], list[float]]:
    """BIC of a Gaussian mixture for ``1 .. max_components`` components.

    A fit that fails scores ``inf``.
    """
    from sklearn.mixture import GaussianMixture

    array = _as_numpy(data)
    top = max(1, min(int(max_components), array.shape[0]))
    k_values = list(range(1, top + 1))
    scores = []
    with sklearn_threads(array.shape[0]):
        for c in k_values:
            try:
                model = GaussianMixture(n_components=c, random_state=random_state,
                                        init_params="k-means++")
                scores.append(float(model.fit(array).bic(array)))
            except (ValueError, np.linalg.LinAlgError):
                scores.append(float("inf"))
    return k_values, scores


def select_components_bic(
    data: Any, max_components: int = 10, random_state: int | None = 42
) -> dict[str, Any]:
    """Pick the number of mixture components with the lowest BIC.

    ``max_components`` is first reduced to :func:`default_max_k` of the sample count.

    Returns
    -------
    dict
        ``{"criterion": "bic", "k": int, "k_values": list, "scores": list}``.
    """
    n = _as_numpy(data).shape[0]
    k_values, scores = bic_curve(data, default_max_k(n, max_components), random_state)
    return {
        "criterion": "bic",
        "k": k_values[int(np.argmin(scores))],
        "k_values": k_values,
        "scores": scores,
    }
