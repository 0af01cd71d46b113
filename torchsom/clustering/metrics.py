"""Cluster quality measures, vectorised in torch.

All scores first drop the noise label ``-1``; they agree with scikit-learn's
``silhouette_score``, ``davies_bouldin_score`` and ``calinski_harabasz_score`` (computed in
float64) and degrade gracefully instead of raising:

======================  ==========  ================  ============================
score                   all noise   one cluster left  better
======================  ==========  ================  ============================
silhouette              0.0         0.0               higher, in [-1, 1]
Davies–Bouldin          inf         0.0               lower, >= 0
Calinski–Harabasz       0.0         0.0               higher, >= 0
topological quality     1.0         1.0               higher, in (0, 1]
======================  ==========  ================  ============================

The silhouette of a clustering with noise describes the clustered neurons only, so it
should always be read together with the noise ratio (:func:`noise_ratio`).

**Topological quality** (:func:`topological_quality`, in
:mod:`torchsom.clustering.grid_quality`, re-exported here) measures how compact each
cluster is on the grid rather than in feature space; :func:`clustering_metrics` adds it
when given the grid (a :class:`GridSpec` or a trained :class:`torchsom.SOM`).

**Scale.** The silhouette and the topological quality compare every pair of samples, so
their exact cost grows with the square of the number of samples (tens of seconds at
20 000 neurons). Both take a ``sample_size``: the silhouette is then the mean
coefficient of that many randomly drawn samples (each still measured against all
samples), and the topological quality measures each cluster's mean grid distance from a
proportional random share of its members (at least two each). The cost becomes
``sample_size × n_samples`` and memory stays bounded by fixed-size blocks; the draw uses
its own seeded generator, so results repeat. :func:`clustering_metrics` samples by
itself above :data:`EXACT_METRICS_LIMIT` samples and reports it in ``sample_size``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch

from torchsom._validation import check_int
from torchsom.clustering.grid_quality import GridSpec, topological_quality
from torchsom.clustering.labels import as_labels, block_rows, noise_ratio
from torchsom.exceptions import TorchSOMWarning

__all__ = [
    "EXACT_METRICS_LIMIT",
    "METRICS_SAMPLE_SIZE",
    "GridSpec",
    "silhouette_samples",
    "silhouette_score",
    "davies_bouldin_score",
    "calinski_harabasz_score",
    "topological_quality",
    "noise_ratio",
    "clustering_metrics",
]

#: :func:`clustering_metrics` computes the pairwise scores exactly up to this many samples
EXACT_METRICS_LIMIT = 4000
#: ... and above it, from this many sampled rows
METRICS_SAMPLE_SIZE = 1000


# ---------------------------------------------------------------------------- inputs
def _as_data(data: Any) -> torch.Tensor:
    if isinstance(data, torch.Tensor):
        tensor = data.detach().cpu().double()
    else:
        tensor = torch.as_tensor(np.asarray(data, dtype=np.float64))
    return tensor.reshape(tensor.shape[0], -1) if tensor.dim() != 2 else tensor


def _prepare(data: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Drop noise; return (data float64, cluster index 0..k-1, k)."""
    points, lab = _as_data(data), as_labels(labels)
    if points.shape[0] != lab.shape[0]:
        raise ValueError(
            "data and labels must have the same number of samples; got "
            f"{points.shape[0]} rows of data and {lab.shape[0]} labels."
        )
    keep = lab != -1
    points, lab = points[keep], lab[keep]
    if lab.numel() == 0:
        return points, lab, 0
    _, index = torch.unique(lab, return_inverse=True)
    return points, index, int(index.max()) + 1


def _sample(n: int, sample_size: int | None, random_state: int) -> torch.Tensor | None:
    """Sorted indices of ``sample_size`` of ``n`` rows drawn without replacement, or None
    (all rows) when no sampling is asked for or the sample would hold every row."""
    if sample_size is None:
        return None
    size = check_int("sample_size", sample_size, 2)
    if size >= n:
        return None
    generator = torch.Generator().manual_seed(check_int("random_state", random_state, 0))
    return torch.sort(torch.randperm(n, generator=generator)[:size]).values


# ---------------------------------------------------------------------------- scores
def _silhouette_rows(points: torch.Tensor, index: torch.Tensor, k: int,
                     rows: torch.Tensor) -> torch.Tensor:
    """Silhouette coefficients of ``rows`` against all ``points`` (k >= 2 clusters).

    Works in blocks of at most :data:`~torchsom.clustering.labels.BLOCK` distances; memory
    is O(block + rows · k).
    """
    n = points.shape[0]
    counts = torch.bincount(index, minlength=k).to(torch.float64)
    sums = torch.empty(rows.shape[0], k, dtype=torch.float64)
    step = block_rows(n)
    for start in range(0, rows.shape[0], step):
        part = rows[start:start + step]
        block = torch.cdist(points[part], points, compute_mode="donot_use_mm_for_euclid_dist")
        sums[start:start + step] = torch.zeros(
            part.shape[0], k, dtype=torch.float64).index_add_(1, index, block)
    own = index[rows]
    at = torch.arange(rows.shape[0])
    own_size = counts[own]
    a = sums[at, own] / (own_size - 1).clamp_min(1)
    mean_other = sums / counts
    mean_other[at, own] = math.inf
    b = mean_other.min(dim=1).values
    s = (b - a) / torch.maximum(a, b)
    return torch.where((own_size > 1) & torch.isfinite(s), s, torch.zeros_like(s))


def silhouette_samples(data: Any, labels: Any) -> torch.Tensor:
    """Silhouette coefficient of every sample (euclidean), noise excluded.

    Parameters
    ----------
    data : array-like
        Shape (n_samples, n_features).
    labels : array-like
        Shape (n_samples,); ``-1`` is noise.

    Returns
    -------
    torch.Tensor
        float64, shape (n_samples,); NaN for noise samples, 0 for samples alone in their
        cluster and for every sample when fewer than 2 clusters remain (or every sample
        is its own cluster).
    """
    lab = as_labels(labels)
    points, index, k = _prepare(data, lab)
    out = torch.full((lab.shape[0],), math.nan, dtype=torch.float64)
    keep = lab != -1
    n = points.shape[0]
    if k < 2 or k >= n:
        out[keep] = 0.0
        return out
    out[keep] = _silhouette_rows(points, index, k, torch.arange(n))
    return out


def silhouette_score(data: Any, labels: Any, sample_size: int | None = None,
                     random_state: int = 0) -> float:
    """Mean silhouette coefficient (euclidean), noise excluded.

    Parameters
    ----------
    data : array-like
        Shape (n_samples, n_features).
    labels : array-like
        Shape (n_samples,); ``-1`` is noise.
    sample_size : int, optional
        Average the coefficients of this many randomly drawn (non-noise) samples, each
        measured against all samples: cost ``sample_size × n_samples`` instead of
        ``n_samples²``. None (default) averages all of them.
    random_state : int, default=0
        Seed of the draw (a generator of its own; the global random state is untouched).

    Returns
    -------
    float
        In [-1, 1]; 0.0 when fewer than 2 clusters or fewer than 2 samples remain, or
        when every sample is its own cluster.
    """
    points, index, k = _prepare(data, labels)
    n = points.shape[0]
    if k < 2 or k >= n:
        return 0.0
    rows = _sample(n, sample_size, random_state)
    rows = torch.arange(n) if rows is None else rows
    return float(_silhouette_rows(points, index, k, rows).mean())


def _centroids(points: torch.Tensor, index: torch.Tensor, k: int) -> tuple[torch.Tensor, ...]:
    counts = torch.bincount(index, minlength=k).to(torch.float64)
    sums = torch.zeros(k, points.shape[1], dtype=torch.float64).index_add_(0, index, points)
    return sums / counts.unsqueeze(1), counts


def davies_bouldin_score(data: Any, labels: Any) -> float:
    """Davies–Bouldin index (lower is better), noise excluded.

    Returns
    -------
    float
        ``inf`` when every sample is noise; 0.0 with fewer than 2 clusters.
    """
    points, index, k = _prepare(data, labels)
    if points.shape[0] == 0:
        return math.inf
    if k < 2:
        return 0.0
    centroids, counts = _centroids(points, index, k)
    spread = torch.zeros(k, dtype=torch.float64).index_add_(
        0, index, (points - centroids[index]).norm(dim=1)
    ) / counts
    separation = torch.cdist(centroids, centroids, compute_mode="donot_use_mm_for_euclid_dist")
    if bool(torch.allclose(spread, torch.zeros_like(spread))) or bool(
        torch.allclose(separation, torch.zeros_like(separation))
    ):
        return 0.0
    separation = torch.where(separation == 0, torch.full_like(separation, math.inf), separation)
    ratio = (spread.unsqueeze(0) + spread.unsqueeze(1)) / separation
    return float(ratio.max(dim=1).values.mean())


def calinski_harabasz_score(data: Any, labels: Any) -> float:
    """Calinski–Harabasz index (variance ratio; higher is better), noise excluded.

    Returns
    -------
    float
        0.0 with fewer than 2 clusters or no more samples than clusters; 1.0 when the
        clusters have no internal spread.
    """
    points, index, k = _prepare(data, labels)
    n = points.shape[0]
    if k < 2 or n <= k:
        return 0.0
    centroids, counts = _centroids(points, index, k)
    between = float((counts * ((centroids - points.mean(0)) ** 2).sum(1)).sum())
    within = float(((points - centroids[index]) ** 2).sum())
    if within == 0.0:
        return 1.0
    return between * (n - k) / (within * (k - 1))


def clustering_metrics(data: Any, labels: Any, grid: Any = None,
                       sample_size: int | str | None = "auto",
                       random_state: int = 0) -> dict[str, Any]:
    """All cluster quality measures of a labelling.

    Parameters
    ----------
    data : array-like
        Shape (n_samples, n_features): the features that were clustered.
    labels : array-like
        Shape (n_samples,), ``-1`` for noise.
    grid : GridSpec or object with ``x, y, topology, pbc``, optional
        When given (and ``data`` has one row per neuron), ``topological_quality`` is
        added.
    sample_size : int, "auto" or None, default="auto"
        Sample size of the silhouette and the topological quality (see the module
        documentation). ``"auto"``: exact up to :data:`EXACT_METRICS_LIMIT` samples,
        :data:`METRICS_SAMPLE_SIZE` sampled rows above. None: always exact.
    random_state : int, default=0
        Seed of the sampling.

    Returns
    -------
    dict
        ``silhouette_score``, ``davies_bouldin_score``, ``calinski_harabasz_score``,
        ``n_clusters`` (distinct labels other than -1), ``n_noise_points``,
        ``noise_ratio``, ``sample_size`` (the number of sampled rows behind the
        silhouette and topological quality, or None when they are exact) and optionally
        ``topological_quality`` (NaN with a warning when it cannot be computed).
    """
    lab = as_labels(labels)
    n_data = _as_data(data).shape[0]
    if n_data != lab.shape[0]:
        raise ValueError(
            "data and labels must have the same number of samples; got "
            f"{n_data} rows of data and {lab.shape[0]} labels."
        )
    if sample_size == "auto":
        sample_size = None if n_data <= EXACT_METRICS_LIMIT else METRICS_SAMPLE_SIZE
    elif sample_size is not None:
        check_int("sample_size", sample_size, 2)
    if sample_size is not None and sample_size >= n_data:
        sample_size = None
    valid = lab[lab != -1]
    out: dict[str, Any] = {
        "silhouette_score": silhouette_score(data, lab, sample_size, random_state),
        "davies_bouldin_score": davies_bouldin_score(data, lab),
        "calinski_harabasz_score": calinski_harabasz_score(data, lab),
        "n_clusters": int(torch.unique(valid).numel()),
        "n_noise_points": int((lab == -1).sum()),
        "noise_ratio": noise_ratio(lab),
        "sample_size": sample_size,
    }
    if grid is not None:
        try:
            out["topological_quality"] = topological_quality(
                lab, grid.x, grid.y, getattr(grid, "topology", "rectangular"),
                bool(getattr(grid, "pbc", False)), sample_size, random_state,
            )
        except (ValueError, AttributeError, TypeError) as exc:
            warnings.warn(f"topological quality could not be computed: {exc}",
                          TorchSOMWarning, stacklevel=2)
            out["topological_quality"] = math.nan
    return out
