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

**Topological quality** measures how compact each cluster is on the grid: for a cluster
of ``m >= 2`` neurons, ``a`` is the mean grid distance between two of its neurons
(positions from :func:`torchsom.topology.grid_positions`, wrapped when ``pbc`` is on) and
its coherence is ``1 / (1 + a / max(x, y))``. The score is the size-weighted mean
coherence over clusters with at least two neurons.

The grid is described by any object with attributes ``x``, ``y``, ``topology`` and
``pbc`` (:class:`GridSpec`, or a trained :class:`torchsom.SOM`).

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
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch

from torchsom._validation import check_int
from torchsom.exceptions import TorchSOMWarning
from torchsom.functional.distances import cross_distance_for
from torchsom.functional.metrics import quantization_error, topographic_error
from torchsom.topology.coordinates import (
    adjacency_threshold,
    grid_periods,
    grid_positions,
)

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
    "calculate_silhouette_score",
    "calculate_davies_bouldin_score",
    "calculate_calinski_harabasz_score",
    "calculate_topological_clustering_quality",
    "calculate_clustering_metrics",
    "calculate_quantization_error",
    "calculate_topographic_error",
]

#: entries of one (chunk × n) distance block
_BLOCK = 4_000_000
#: :func:`clustering_metrics` computes the pairwise scores exactly up to this many samples
EXACT_METRICS_LIMIT = 4000
#: ... and above it, from this many sampled rows
METRICS_SAMPLE_SIZE = 1000


class GridSpec(NamedTuple):
    """The grid a labelling lives on: ``x`` rows, ``y`` columns, topology, wrap."""

    x: int
    y: int
    topology: str = "rectangular"
    pbc: bool = False


# ---------------------------------------------------------------------------- inputs
def _as_labels(labels: Any) -> torch.Tensor:
    if isinstance(labels, torch.Tensor):
        return labels.detach().reshape(-1).long().cpu()
    return torch.as_tensor(np.asarray(labels).reshape(-1).astype(np.int64))


def _as_data(data: Any) -> torch.Tensor:
    if isinstance(data, torch.Tensor):
        tensor = data.detach().cpu().double()
    else:
        tensor = torch.as_tensor(np.asarray(data, dtype=np.float64))
    return tensor.reshape(tensor.shape[0], -1) if tensor.dim() != 2 else tensor


def _prepare(data: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Drop noise; return (data float64, cluster index 0..k-1, k)."""
    points, lab = _as_data(data), _as_labels(labels)
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


def _chunk(n: int) -> int:
    return max(1, _BLOCK // max(1, n))


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

    Works in blocks of at most :data:`_BLOCK` distances; memory is O(block + rows · k).
    """
    n = points.shape[0]
    counts = torch.bincount(index, minlength=k).to(torch.float64)
    sums = torch.empty(rows.shape[0], k, dtype=torch.float64)
    step = _chunk(n)
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
    lab = _as_labels(labels)
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


def noise_ratio(labels: Any) -> float:
    """Share of labels equal to ``-1`` (0.0 for an empty labelling)."""
    lab = _as_labels(labels)
    return float((lab == -1).double().mean()) if lab.numel() else 0.0


def topological_quality(
    labels: Any, x: int, y: int, topology: str = "rectangular", pbc: bool = False,
    sample_size: int | None = None, random_state: int = 0,
) -> float:
    """Grid compactness of the clusters of a labelled map, in (0, 1].

    Parameters
    ----------
    labels : array-like
        Shape (x·y,) in flat row-major neuron order; ``-1`` is noise.
    x, y : int
        Grid rows and columns.
    topology : {"rectangular", "hexagonal"}
        Grid geometry.
    pbc : bool
        Wrap distances around the torus.
    sample_size : int, optional
        Estimate each cluster's mean grid distance from about ``sample_size`` randomly
        drawn source neurons in all, shared in proportion to the cluster sizes (at least
        two per cluster): cost ``sample_size × n`` instead of ``n²``. None (default) is
        exact.
    random_state : int, default=0
        Seed of the draw.

    Returns
    -------
    float
        1.0 when fewer than two clusters exist or no cluster has two neurons.

    Raises
    ------
    ValueError
        If ``labels`` does not have ``x·y`` entries.
    """
    lab = _as_labels(labels)
    n = int(x) * int(y)
    if lab.numel() != n:
        raise ValueError(
            f"labels must have one entry per neuron ({x}×{y} = {n}); got {lab.numel()}."
        )
    valid = lab != -1
    if valid.sum() == 0 or torch.unique(lab[valid]).numel() <= 1:
        return 1.0
    _, index = torch.unique(lab[valid], return_inverse=True)
    k = int(index.max()) + 1
    members = torch.nonzero(valid).reshape(-1)
    sizes = torch.bincount(index, minlength=k).to(torch.float64)
    rows, cols = grid_positions(int(x), int(y), topology, dtype=torch.float64)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), dim=1)[members]
    periods = grid_periods(int(x), int(y), topology) if pbc else None
    m = members.numel()
    sources = _stratified(index, sizes, sample_size, random_state)
    totals = torch.zeros(k, dtype=torch.float64)
    drawn = torch.zeros(k, dtype=torch.float64)
    step = _chunk(m)
    for start in range(0, sources.numel(), step):
        part = sources[start:start + step]
        dist = _grid_distances(positions, part, periods)
        same = index[part].unsqueeze(1) == index.unsqueeze(0)
        totals.index_add_(0, index[part], torch.where(same, dist, 0.0).sum(dim=1))
        drawn.index_add_(0, index[part], torch.ones(part.shape[0], dtype=torch.float64))
    usable = sizes >= 2
    if not bool(usable.any()):
        return 1.0
    mean_dist = totals[usable] / (drawn[usable] * (sizes[usable] - 1))
    coherence = 1.0 / (1.0 + mean_dist / max(int(x), int(y)))
    return float((coherence * sizes[usable]).sum() / sizes[usable].sum())


def _grid_distances(positions: torch.Tensor, sources: torch.Tensor,
                    periods: tuple[float, float] | None) -> torch.Tensor:
    """Grid distances (b, n) from ``sources`` to all ``positions`` (n, 2), wrapped by
    the minimum image when ``periods`` is given (as
    :func:`torchsom.topology.grid_distance_sq`, but on the two
    coordinates separately, which is several times faster than reducing (b, n, 2))."""
    parts = []
    for axis in (0, 1):
        coord = positions[:, axis]
        delta = coord[sources].unsqueeze(1) - coord.unsqueeze(0)
        if periods is not None:
            delta -= periods[axis] * torch.round(delta / periods[axis])
        parts.append(delta.mul_(delta))
    return parts[0].add_(parts[1]).sqrt_()


def _stratified(index: torch.Tensor, sizes: torch.Tensor, sample_size: int | None,
                random_state: int) -> torch.Tensor:
    """Source rows for :func:`topological_quality`: all rows, or a random share of each
    cluster proportional to its size (at least 2, at most all of it)."""
    m = index.numel()
    if sample_size is None or check_int("sample_size", sample_size, 2) >= m:
        return torch.arange(m)
    generator = torch.Generator().manual_seed(check_int("random_state", random_state, 0))
    quota = torch.clamp(torch.ceil(sizes * sample_size / m), min=2)
    quota = torch.minimum(quota, sizes).to(torch.long)
    shuffled = torch.randperm(m, generator=generator)
    by_cluster = shuffled[torch.sort(index[shuffled], stable=True).indices]
    starts = torch.cumsum(sizes.to(torch.long), 0) - sizes.to(torch.long)
    rank = torch.arange(m) - starts[index[by_cluster]]
    return torch.sort(by_cluster[rank < quota[index[by_cluster]]]).values


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
    lab = _as_labels(labels)
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


# ---------------------------------------------------------------------------- compatibility
def calculate_silhouette_score(data: Any, labels: Any) -> float:
    """Compatibility name of :func:`silhouette_score`."""
    return silhouette_score(data, labels)


def calculate_davies_bouldin_score(data: Any, labels: Any) -> float:
    """Compatibility name of :func:`davies_bouldin_score`."""
    return davies_bouldin_score(data, labels)


def calculate_calinski_harabasz_score(data: Any, labels: Any) -> float:
    """Compatibility name of :func:`calinski_harabasz_score`."""
    return calinski_harabasz_score(data, labels)


def calculate_topological_clustering_quality(som: Any, labels: Any) -> float:
    """Compatibility form of :func:`topological_quality`.

    ``som`` is any object with ``x``, ``y``, ``topology`` and ``pbc`` attributes.
    """
    return topological_quality(labels, som.x, som.y, getattr(som, "topology", "rectangular"),
                               bool(getattr(som, "pbc", False)))


def calculate_clustering_metrics(data: Any, labels: Any, som: Any = None) -> dict[str, Any]:
    """Compatibility name of :func:`clustering_metrics` (``som`` describes the grid)."""
    return clustering_metrics(data, labels, grid=som)


def calculate_quantization_error(
    data: torch.Tensor, weights: torch.Tensor, distance_fn: Callable[..., torch.Tensor]
) -> float:
    """Mean distance from each sample (n, F) to its BMU in ``weights`` (x, y, F)."""
    codebook = weights.detach().reshape(-1, weights.shape[-1])
    samples = data.reshape(-1, weights.shape[-1]).to(codebook)
    return float(quantization_error(samples, codebook, cross_distance_for(distance_fn)))


def calculate_topographic_error(
    data: torch.Tensor,
    weights: torch.Tensor,
    distance_fn: Callable[..., torch.Tensor],
    topology: str = "rectangular",
    pbc: bool = False,
) -> float:
    """Share of samples whose two best units are not adjacent (a ratio in [0, 1]).

    Adjacent means the 8 surrounding cells on a rectangular grid and the 6 touching
    hexagons on a hexagonal grid. A 1×1 map gives NaN with a warning.
    """
    x, y = int(weights.shape[0]), int(weights.shape[1])
    if x * y == 1:
        warnings.warn("The topographic error is not defined for a 1-by-1 map.",
                      TorchSOMWarning, stacklevel=2)
        return math.nan
    codebook = weights.detach().reshape(x * y, weights.shape[-1])
    samples = data.reshape(-1, weights.shape[-1]).to(codebook)
    rows, cols = grid_positions(x, y, topology, dtype=codebook.dtype, device=codebook.device)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), dim=1)
    periods = grid_periods(x, y, topology) if pbc else None
    return float(topographic_error(samples, codebook, cross_distance_for(distance_fn),
                                   positions, adjacency_threshold(topology), periods))
