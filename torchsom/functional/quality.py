"""Quality measures of a map, as chunked tensor kernels.

Notation: samples ``x_1 … x_N`` (N, F); a codebook ``w_1 … w_M`` on a grid of ``x`` rows
and ``y`` columns (``M = x·y``); ``d`` the map's distance; ``c(i)`` the best-matching unit
(BMU) of ``x_i`` and ``c₂(i)`` the second best; ``g(m, n)`` the grid distance between
neurons ``m`` and ``n``, with neuron positions, hexagonal odd-r rows and the periodic wrap
(``pbc``) all taken from :mod:`torchsom.topology.coordinates`.

======================================  =====================================  ============
measure                                 what it asks                           best value
======================================  =====================================  ============
:func:`quantization_error`              how far samples lie from their BMU     0
:func:`topographic_error`               are the two best units grid neighbours 0
:func:`distortion`                      the map's energy at a given sigma      lower
:func:`explained_variance`              how much variance the codebook keeps   1
:func:`topographic_product`             do grid and codebook order agree       0
:func:`trustworthiness`                 are map neighbours data neighbours     1
:func:`continuity`                      are data neighbours map neighbours     1
:func:`neighborhood_preservation`       shared k-neighbourhoods                1
======================================  =====================================  ============

This module holds the topographic product and :func:`evaluate_map` and re-exports the
rest: QE and TE reduce a search's results with the one function each of
:mod:`torchsom.functional.metrics`, distortion and explained variance are computed in
:mod:`torchsom.functional.distortion`, the rank measures in
:mod:`torchsom.functional.ranks`.

Search
------
Every measure that needs best-matching units takes ``search``, a callable
``(samples, k) → (distances, indices)``: ``SOM.evaluate`` and the map's own error methods
pass the map's search backend, so a measure never depends on which method asked. Without
it, a bare codebook is searched exactly.

Memory and time
---------------
Every pass walks the samples (or the neurons) in chunks and holds ``chunk × M`` values at
a time; no ``N × N`` or ``M × M`` matrix is ever built, so 10⁶ samples run in bounded
memory. The rank measures (trustworthiness, continuity, neighbourhood preservation) need
each sample's rank among all others: they run exactly on at most ``sample_size`` samples
(a random subsample drawn with ``random_state`` above that size), in time
``sample_size² log sample_size``; see :mod:`torchsom.functional.ranks`. The topographic
product averages over at most ``sample_size`` neurons the same way.

Ties
----
Many samples share a BMU and grid distances repeat, so ranks on the map are tied. The
rank measures and the topographic product are the *expected value* of the published
definition when ties are broken uniformly at random, computed exactly (no random draw);
without ties it is the usual value. Squared grid distances are compared after rounding
to ``GRID_DECIMALS`` places, so equal hexagonal distances tie exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from torchsom._validation import check_int, check_positive_float
from torchsom.functional import metrics
from torchsom.functional.bmu import DEFAULT_MEMORY_BUDGET
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.distortion import (
    distortion,
    distortion_from_bmus,
    explained_variance,
    explained_variance_from_bmus,
)
from torchsom.functional.measure_inputs import (
    CrossDistance,
    best_units,
    checked_codebook,
    checked_samples,
    grid_of,
)
from torchsom.functional.metrics import (
    BMUSearch,
    quantization_error_from_bmus,
    topographic_error_from_bmus,
)
from torchsom.functional.neighborhood import elementwise, gaussian
from torchsom.functional.ranks import (
    DEFAULT_SAMPLE_SIZE,
    argsort_rows,
    check_k,
    continuity,
    draw_subsample,
    neighborhood_preservation,
    rank_measures,
    tie_group_means,
    trustworthiness,
)
from torchsom.topology.coordinates import adjacency_threshold, grid_distance_sq

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "QUALITY_MEASURES",
    "QualityReport",
    "quantization_error",
    "topographic_error",
    "distortion",
    "explained_variance",
    "topographic_product",
    "trustworthiness",
    "continuity",
    "neighborhood_preservation",
    "rank_measures",
    "evaluate_map",
]

#: names of the measures, in the order :func:`evaluate_map` reports them
QUALITY_MEASURES = (
    "quantization_error", "topographic_error", "trustworthiness", "continuity",
    "neighborhood_preservation", "topographic_product", "distortion", "explained_variance",
)
#: grid distances are compared after rounding to this many decimals (hexagonal positions
#: are irrational; distinct squared grid distances differ by at least 0.25)
GRID_DECIMALS = 6

class QualityReport(dict):
    """The measures of :func:`evaluate_map`: a dict ``name → float`` keyed as in
    :data:`QUALITY_MEASURES`, plus how they were computed.

    Attributes
    ----------
    k : int
        Neighbourhood size of the rank measures.
    sigma : float
        Neighbourhood width of the distortion.
    n_samples : int
        Samples measured by the other measures.
    rank_samples : int
        Samples the rank measures ran on (``min(n_samples, sample_size)``).
    subsampled : bool
        True when the rank measures ran on a random subsample.
    """

    k: int
    sigma: float
    n_samples: int
    rank_samples: int
    subsampled: bool


# ----------------------------------------------------------------------------- QE, TE
def quantization_error(data: object, weights: torch.Tensor,
                       cross_distance: CrossDistance = euclidean_cross,
                       search: BMUSearch | None = None) -> torch.Tensor:
    """Mean distance from each sample to its BMU.

    ``QE = (1/N) Σ_i d(x_i, w_c(i))``, in the map's own distance (Kohonen, *Self-Organizing
    Maps*, 3rd ed., Springer, 2001).

    Parameters
    ----------
    data : array-like
        Shape (N, F).
    weights : torch.Tensor
        Codebook, shape (x, y, F).
    cross_distance : callable
        ``(b, F) × (M, F) → (b, M)`` distance (see ``distances.cross_distance_for``).
    search : callable, optional
        The BMU search, ``(samples, k) → (distances, indices)`` (e.g. a map's own
        backend); default: the exact search of ``weights``.

    Returns
    -------
    torch.Tensor
        0-d.
    """
    codebook = checked_codebook(weights, "quantization_error")
    return metrics.quantization_error(checked_samples(data, weights), codebook,
                                      cross_distance, search)


def topographic_error(data: object, weights: torch.Tensor, topology: str = "rectangular",
                      pbc: bool = False,
                      cross_distance: CrossDistance = euclidean_cross,
                      search: BMUSearch | None = None) -> torch.Tensor:
    """Share of samples whose two best units are not grid neighbours.

    ``TE = (1/N) Σ_i [g(c(i), c₂(i)) > t]``, with ``t`` the adjacency threshold of the grid:
    the 8 surrounding cells on a rectangular grid, the 6 touching hexagons (odd-r rows) on
    a hexagonal one, across the seam when ``pbc`` is on (Kiviluoto, "Topology preservation
    in self-organizing maps", Proc. ICNN 1996, 294–299).

    Parameters
    ----------
    data : array-like
        Shape (N, F).
    weights : torch.Tensor
        Codebook, shape (x, y, F), at least 2 neurons.
    topology : {"rectangular", "hexagonal"}
        Grid geometry.
    pbc : bool
        Periodic boundaries (a torus).
    cross_distance : callable
        ``(b, F) × (M, F) → (b, M)`` distance.
    search : callable, optional
        The BMU search, as in :func:`quantization_error`.

    Returns
    -------
    torch.Tensor
        0-d, a ratio in [0, 1].
    """
    codebook = checked_codebook(weights, "topographic_error", 2)
    positions, periods = grid_of(weights, topology, pbc, weights.dtype)
    return metrics.topographic_error(checked_samples(data, weights), codebook, cross_distance,
                                     positions, adjacency_threshold(topology), periods, search)


# ----------------------------------------------------------------------------- product
def topographic_product(weights: torch.Tensor, topology: str = "rectangular",
                        pbc: bool = False,
                        cross_distance: CrossDistance = euclidean_cross,
                        sample_size: int | None = DEFAULT_SAMPLE_SIZE,
                        random_state: int = 0) -> torch.Tensor:
    """Topographic product: do the codebook and the grid order the neurons alike?

    For neuron ``j`` let ``n_l^V(j)`` be its l-th nearest neuron by codebook distance
    ``d^V`` and ``n_l^A(j)`` by grid distance ``d^A``. With
    ``Q1(j, l) = d^V(j, n_l^A) / d^V(j, n_l^V)`` and ``Q2(j, l) = d^A(j, n_l^A) / d^A(j, n_l^V)``::

        P = 1/(M(M − 1)) Σ_j Σ_{k=1}^{M−1} (1/(2k)) Σ_{l=1}^{k} log(Q1(j, l) · Q2(j, l))

    ``P ≈ 0`` when both orders agree; ``P < 0`` suggests a grid too small (or of too low a
    dimension) for the data, ``P > 0`` one too large (Bauer & Pawelzik, "Quantifying the
    neighborhood preservation of self-organizing feature maps", IEEE Trans. Neural
    Networks 3(4), 1992, 570–579). Tied grid distances: the expected value over random
    tie-breaking (module notes). Codebook distances of 0 (coinciding neurons) are floored
    at the smallest positive float64, which dominates the result.

    ``P`` is a mean over neurons ``j``; above ``sample_size`` neurons it is the exact mean
    over a random subset of that many ``j`` (each still ranked against all ``M``).

    Parameters
    ----------
    weights : torch.Tensor
        Codebook, shape (x, y, F), at least 2 neurons.
    topology, pbc, cross_distance
        As in :func:`topographic_error`.
    sample_size : int or None
        Neurons ``j`` averaged over, at most (None: all).
    random_state : int
        Seed of that subset.

    Returns
    -------
    torch.Tensor
        0-d, float64. Time grows with ``min(M, sample_size) · M log M``; memory with
        ``chunk × M``.
    """
    codebook = checked_codebook(weights, "topographic_product", 2)
    positions, periods = grid_of(weights, topology, pbc, torch.float64)
    return _topographic_product(codebook, positions, periods, cross_distance, sample_size,
                                random_state)


def _topographic_product(codebook: torch.Tensor, positions: torch.Tensor,
                         periods: tuple[float, float] | None, cross_distance: CrossDistance,
                         sample_size: int | None, random_state: int) -> torch.Tensor:
    m = codebook.shape[0]
    device = codebook.device
    chosen = torch.arange(m, device=device)
    random_state = check_int("random_state", random_state, 0)
    if sample_size is not None and m > check_int("sample_size", sample_size, 3):
        generator = torch.Generator().manual_seed(random_state)
        chosen = torch.randperm(m, generator=generator)[:sample_size].sort().values.to(device)
    tiny = torch.finfo(torch.float64).tiny
    weight = 0.5 / torch.arange(1, m, dtype=torch.float64, device=device)
    step = max(1, min(m, DEFAULT_MEMORY_BUDGET // (16 * 8 * m)))
    total = torch.zeros((), dtype=torch.float64, device=device)
    for start in range(0, chosen.shape[0], step):
        rows = chosen[start : start + step]
        own = (torch.arange(rows.shape[0], device=device), rows)
        feature = cross_distance(codebook[rows], codebook).double().clamp_(min=tiny)
        grid_sq = grid_distance_sq(positions, rows, periods)
        log_v, log_a = feature.log(), 0.5 * grid_sq.clamp(min=tiny).log()
        key_v, key_a = feature.clone(), torch.round(grid_sq, decimals=GRID_DECIMALS)
        key_v[own] = -math.inf
        key_a[own] = -math.inf
        by_v = argsort_rows(key_v)[:, 1:]  # the neuron itself sorts first: dropped
        by_a = argsort_rows(key_a)[:, 1:]
        # Σ_{l<=k} log d^V(j, n_l^A) − log d^V(j, n_l^V) + log d^A(j, n_l^A) − log d^A(j, n_l^V)
        terms = (tie_group_means(log_v.gather(1, by_a), key_a.gather(1, by_a)).cumsum(1)
                 - log_v.gather(1, by_v).cumsum(1)
                 + log_a.gather(1, by_a).cumsum(1)
                 - tie_group_means(log_a.gather(1, by_v), key_v.gather(1, by_v)).cumsum(1))
        total += (terms * weight).sum()
    return total / (chosen.shape[0] * (m - 1))


# ----------------------------------------------------------------------------- all
def evaluate_map(
    data: object,
    weights: torch.Tensor,
    *,
    topology: str = "rectangular",
    pbc: bool = False,
    cross_distance: CrossDistance = euclidean_cross,
    neighborhood: Callable[..., torch.Tensor] = gaussian,
    sigma: float = 1.0,
    k: int = 5,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE,
    random_state: int = 0,
    search: BMUSearch | None = None,
) -> QualityReport:
    """Every measure of this module from one BMU search.

    Parameters
    ----------
    data : array-like
        Shape (N, F); validated (finite, non-empty, F features).
    weights : torch.Tensor
        Codebook, shape (x, y, F), at least 2 neurons.
    topology : {"rectangular", "hexagonal"}
        Grid geometry.
    pbc : bool
        Periodic boundaries.
    cross_distance : callable
        The map's distance, ``(b, F) × (M, F) → (b, M)``.
    neighborhood : callable
        The map's neighbourhood function, for :func:`distortion`.
    sigma : float
        Neighbourhood width of the distortion.
    k : int
        Neighbourhood size of the rank measures.
    sample_size : int or None
        Above this many samples the rank measures run on a random subsample of this size
        (None: always on all samples, in time ``N²``).
    random_state : int
        Seed of that subsample.
    search : callable, optional
        The BMU search, ``(samples, k) → (distances, indices)`` (``SOM.evaluate`` passes
        the map's own backend); default: the exact search of ``weights``.

    Returns
    -------
    QualityReport
        ``name → float`` for the names in :data:`QUALITY_MEASURES`, with how they were
        computed as attributes.
    """
    codebook = checked_codebook(weights, "evaluate", 2)
    sigma = check_positive_float("sigma", sigma)
    positions, periods = grid_of(weights, topology, pbc, weights.dtype)
    samples = checked_samples(data, weights)
    n = samples.shape[0]
    used = n if sample_size is None else min(n, check_int("sample_size", sample_size, 3))
    check_k(k, used, used < n)
    dist, best = best_units(samples, codebook, cross_distance, 2, search)
    exact_positions = grid_of(weights, topology, pbc, torch.float64)[0]
    ranked, ranked_bmu, _ = draw_subsample(samples, best[:, 0], sample_size, random_state)
    trust, cont, preserved = rank_measures(
        ranked, exact_positions[ranked_bmu], k, cross_distance=cross_distance,
        periods=periods, decimals=GRID_DECIMALS, sample_size=None,
    )
    values = {
        "quantization_error": quantization_error_from_bmus(dist),
        "topographic_error": topographic_error_from_bmus(
            best, positions, adjacency_threshold(topology), periods),
        "trustworthiness": trust,
        "continuity": cont,
        "neighborhood_preservation": preserved,
        "topographic_product": _topographic_product(codebook, exact_positions, periods,
                                                    cross_distance, sample_size, random_state),
        "distortion": distortion_from_bmus(samples, codebook, best[:, 0], positions,
                                           periods, elementwise(neighborhood), sigma,
                                           cross_distance),
        "explained_variance": explained_variance_from_bmus(samples, codebook, best[:, 0]),
    }
    report = QualityReport((name, float(values[name])) for name in QUALITY_MEASURES)
    report.k, report.sigma, report.n_samples = k, sigma, n
    report.rank_samples = n if sample_size is None else min(n, sample_size)
    report.subsampled = report.rank_samples < n
    return report
