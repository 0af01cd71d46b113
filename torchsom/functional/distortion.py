"""How well the codebook stands for the data: the map's distortion and explained variance.

Notation as in :mod:`torchsom.functional.quality` (which gathers every measure): samples
``x_1 … x_N``, codebook ``w_1 … w_M``, ``c(i)`` the best-matching unit of ``x_i``, ``d``
the map's distance, ``h_σ`` the neighbourhood function on grid distances.

Both walk the samples in chunks; the euclidean distortion expands per BMU group so that
one pass over the samples and one over neuron pairs replace ``N × M`` distances.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom._validation import check_positive_float
from torchsom.functional.bmu import DEFAULT_MEMORY_BUDGET, chunk_size_for
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.measure_inputs import (
    CrossDistance,
    best_units,
    checked_codebook,
    checked_samples,
    grid_of,
)
from torchsom.functional.metrics import BMUSearch
from torchsom.functional.neighborhood import elementwise, gaussian
from torchsom.topology.coordinates import grid_distance_sq

__all__ = ["distortion", "distortion_from_bmus", "explained_variance",
           "explained_variance_from_bmus"]


def distortion(data: object, weights: torch.Tensor, sigma: float,
               neighborhood: Callable[..., torch.Tensor] = gaussian,
               topology: str = "rectangular", pbc: bool = False,
               cross_distance: CrossDistance = euclidean_cross,
               search: BMUSearch | None = None) -> torch.Tensor:
    """The map's energy function: the neighbourhood-weighted distortion per sample.

    ``E = (1/N) Σ_i Σ_m h_σ(c(i), m) · d(x_i, w_m)²``, with ``h_σ`` the map's neighbourhood
    function at width ``σ`` evaluated on grid distances (Vesanto, Sulkava & Hollmén, "On the
    decomposition of the self-organizing map distortion measure", Proc. WSOM 2003, 11–16).
    With a constant ``σ`` the batch rule decreases it; it falls as ``σ`` shrinks, so only
    maps compared at the same ``σ`` are comparable. A neighbourhood that turns negative
    (``mexican_hat``) can make it negative.

    Parameters
    ----------
    data : array-like
        Shape (N, F).
    weights : torch.Tensor
        Codebook, shape (x, y, F).
    sigma : float
        Neighbourhood width, > 0.
    neighborhood : callable
        Registry kernel or element-wise ``(dist_sq, sigma) → weights``.
    topology, pbc, cross_distance
        As in :func:`~torchsom.functional.quality.topographic_error`.
    search : callable, optional
        The BMU search (``(samples, k) → (distances, indices)``, e.g. a map's own
        backend); default: the exact search of ``weights``.

    Returns
    -------
    torch.Tensor
        0-d, float64.
    """
    sigma = check_positive_float("sigma", sigma)
    codebook = checked_codebook(weights, "distortion")
    positions, periods = grid_of(weights, topology, pbc, weights.dtype)
    samples = checked_samples(data, weights)
    _, best = best_units(samples, codebook, cross_distance, 1, search)
    return distortion_from_bmus(samples, codebook, best[:, 0], positions, periods,
                                elementwise(neighborhood), sigma, cross_distance)


def distortion_from_bmus(samples: torch.Tensor, codebook: torch.Tensor, bmu: torch.Tensor,
                         positions: torch.Tensor, periods: tuple[float, float] | None,
                         kernel: Callable[[torch.Tensor, float], torch.Tensor], sigma: float,
                         cross_distance: CrossDistance) -> torch.Tensor:
    """:func:`distortion` of ``samples`` (N, F) whose BMUs are ``bmu`` (N,), with the
    element-wise ``kernel`` at ``sigma``: a 0-d float64 tensor."""
    if cross_distance is euclidean_cross:
        return _euclidean_distortion(samples, codebook, bmu, positions, periods, kernel, sigma)
    n = samples.shape[0]
    step = chunk_size_for(codebook.shape[0], DEFAULT_MEMORY_BUDGET // 2)
    total = torch.zeros((), dtype=torch.float64, device=samples.device)
    for start in range(0, n, step):
        block = samples[start : start + step]
        h = kernel(grid_distance_sq(positions, bmu[start : start + step], periods), sigma)
        dist = cross_distance(block, codebook)
        total += (h.to(dist.dtype) * dist * dist).sum(dtype=torch.float64)
    return total / n


def _euclidean_distortion(samples: torch.Tensor, codebook: torch.Tensor, bmu: torch.Tensor,
                          positions: torch.Tensor, periods: tuple[float, float] | None,
                          kernel: Callable[[torch.Tensor, float], torch.Tensor],
                          sigma: float) -> torch.Tensor:
    """Squared euclidean distances expand per BMU group ``c``:
    ``Σ_{i: c(i)=c} ‖x_i − w_m‖² = Q_c − 2 S_c · w_m + N_c ‖w_m‖²`` with the group's count
    ``N_c``, sum ``S_c`` and sum of squared norms ``Q_c``, so one pass over the samples and
    one over neuron pairs (``chunk × M`` at a time) replace ``N × M`` distances."""
    n, m = samples.shape[0], codebook.shape[0]
    device = samples.device
    counts = torch.zeros(m, dtype=torch.float64, device=device)
    sums = torch.zeros(m, samples.shape[1], dtype=torch.float64, device=device)
    squares = torch.zeros(m, dtype=torch.float64, device=device)
    for start in range(0, n, 65536):
        block = samples[start : start + 65536].double()
        owner = bmu[start : start + 65536]
        counts.index_add_(0, owner, torch.ones_like(block[:, 0]))
        sums.index_add_(0, owner, block)
        squares.index_add_(0, owner, torch.linalg.vecdot(block, block))
    weights = codebook.double()
    weight_sq = torch.linalg.vecdot(weights, weights)
    step = chunk_size_for(m, DEFAULT_MEMORY_BUDGET // 2)
    total = torch.zeros((), dtype=torch.float64, device=device)
    for start in range(0, m, step):
        groups = torch.arange(start, min(start + step, m), device=device)
        h = kernel(grid_distance_sq(positions, groups, periods), sigma).double()
        energy = torch.addmm(squares[groups].unsqueeze(1) + counts[groups].unsqueeze(1)
                             * weight_sq.unsqueeze(0), sums[groups], weights.T, alpha=-2.0)
        total += (h * energy).sum()
    return total / n


def explained_variance(data: object, weights: torch.Tensor,
                       cross_distance: CrossDistance = euclidean_cross,
                       search: BMUSearch | None = None) -> torch.Tensor:
    """Share of the data's variance that the BMU codebook vectors reproduce.

    ``EV = 1 − Σ_i ‖x_i − w_c(i)‖² / Σ_i ‖x_i − x̄‖²``: the coefficient of determination
    of replacing each sample by its BMU's vector, i.e. the share of the total scatter
    ``T = W + B`` that lies between the neurons' groups (Hastie, Tibshirani & Friedman,
    *The Elements of Statistical Learning*, 2nd ed., 2009, Sect. 14.3). Squared euclidean
    distances, whatever metric chose the BMUs; NaN when the data have zero variance.

    Parameters
    ----------
    data : array-like
        Shape (N, F).
    weights : torch.Tensor
        Codebook, shape (x, y, F).
    cross_distance : callable
        Distance that chooses the BMUs.
    search : callable, optional
        The BMU search, as in :func:`distortion`.

    Returns
    -------
    torch.Tensor
        0-d, float64, at most 1 (negative when the codebook is worse than the mean).
    """
    codebook = checked_codebook(weights, "explained_variance")
    samples = checked_samples(data, weights)
    _, best = best_units(samples, codebook, cross_distance, 1, search)
    return explained_variance_from_bmus(samples, codebook, best[:, 0])


def explained_variance_from_bmus(samples: torch.Tensor, codebook: torch.Tensor,
                                 bmu: torch.Tensor) -> torch.Tensor:
    """:func:`explained_variance` of ``samples`` (N, F) whose BMUs are ``bmu`` (N,)."""
    n = samples.shape[0]
    step = 65536
    mean = torch.zeros(samples.shape[1], dtype=torch.float64, device=samples.device)
    for start in range(0, n, step):
        mean += samples[start : start + step].sum(0, dtype=torch.float64)
    mean /= n
    residual = torch.zeros((), dtype=torch.float64, device=samples.device)
    total = torch.zeros((), dtype=torch.float64, device=samples.device)
    for start in range(0, n, step):
        block = samples[start : start + step].double()
        residual += (block - codebook[bmu[start : start + step]].double()).square().sum()
        total += (block - mean).square().sum()
    if float(total) == 0.0:
        return torch.tensor(float("nan"), dtype=torch.float64, device=samples.device)
    return 1.0 - residual / total
