"""Rank-based neighbourhood measures of a projection: trustworthiness, continuity and
neighbourhood preservation, plus the tie arithmetic they share with the topographic
product (:mod:`torchsom.functional.quality` gathers every measure).

Ties
----
On a map many samples share a BMU and grid distances repeat, so ranks are tied. Each
measure here is the *expected value* of its published definition when ties are broken
uniformly at random. It is computed exactly, without a random draw, from two counts per
pair ``(i, j)``: ``a``, how many others are strictly closer to ``i`` than ``j``, and ``g``,
the size of ``j``'s tie group. Then ``j`` is among the ``k`` nearest with probability
``clip((k − a) / g, 0, 1)`` and its rank is uniform on ``a + 1 … a + g``. Tie-breaking in
the two spaces is independent, so expectations of products are products of expectations.
Without ties the value is the usual one.

Memory and time
---------------
Queries run in chunks: a chunk of ``b`` samples holds ``b × n`` work values for the ``n``
samples used (at most ``sample_size``, a random subsample above it), so memory never grows
with ``n²``; time grows with ``n² log n``. Embedded positions are ranked per distinct
position (a map has at most one per neuron), weighted by how many samples sit there.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from torchsom._validation import as_data, check_int
from torchsom.functional.bmu import DEFAULT_MEMORY_BUDGET
from torchsom.functional.distances import euclidean_cross
from torchsom.topology.coordinates import grid_distance_sq

__all__ = [
    "DEFAULT_SAMPLE_SIZE",
    "rank_measures",
    "trustworthiness",
    "continuity",
    "neighborhood_preservation",
    "argsort_rows",
    "draw_subsample",
    "tie_counts",
    "tie_group_means",
]

#: samples above which the rank measures run on a random subsample
DEFAULT_SAMPLE_SIZE = 2000

CrossDistance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# ----------------------------------------------------------------------------- ties
def argsort_rows(keys: torch.Tensor) -> torch.Tensor:
    """Ascending order of each row of ``keys`` (b, u), int64. CPU float rows sort through
    numpy, several times faster there than ``torch.argsort``."""
    if keys.device.type == "cpu" and keys.dtype in (torch.float32, torch.float64):
        return torch.from_numpy(np.argsort(keys.detach().numpy(), axis=1))
    return keys.argsort(dim=1)


def tie_counts(keys: torch.Tensor,
               weights: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per entry of each row: the weight strictly below it, and the weight tied with it.

    Parameters
    ----------
    keys : torch.Tensor
        Shape (b, u), floating.
    weights : torch.Tensor, optional
        Shape (u,): how many items each column stands for; None for one each.

    Returns
    -------
    below, tied : torch.Tensor
        Shape (b, u) each, dtype of ``keys``; ``tied`` counts the entry itself.
    """
    b, u = keys.shape
    order = argsort_rows(keys)
    ordered = keys.gather(1, order)
    if weights is None and not bool((ordered[:, 1:] == ordered[:, :-1]).any()):
        position = torch.arange(u, dtype=keys.dtype, device=keys.device).expand(b, u)
        return torch.empty_like(keys).scatter_(1, order, position), torch.ones_like(keys)
    weight = (torch.ones(u, dtype=keys.dtype, device=keys.device) if weights is None
              else weights.to(device=keys.device, dtype=keys.dtype))[order]
    upto = weight.cumsum(1)  # weight up to and including each sorted position
    before = upto - weight
    starts = torch.ones_like(ordered, dtype=torch.bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ends = torch.ones_like(starts)
    ends[:, :-1] = starts[:, 1:]
    # both running sums ascend, so a running max (min from the right) over group starts
    # (ends) hands every position the value at its own group's start (end)
    below = torch.where(starts, before, -math.inf).cummax(1).values
    through = torch.where(ends, upto, math.inf).flip(1).cummin(1).values.flip(1)
    return (torch.empty_like(keys).scatter_(1, order, below),
            torch.empty_like(keys).scatter_(1, order, through - below))


def tie_group_means(values: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Replace each value by the mean over its tie group.

    ``keys`` (b, L) is ascending along each row and ``values`` (b, L) aligned with it: the
    expected value at each position when tied entries are ordered at random.
    """
    starts = torch.ones_like(keys, dtype=torch.long)
    starts[:, 1:] = (keys[:, 1:] != keys[:, :-1]).long()
    group = starts.cumsum(1) - 1
    sums = torch.zeros_like(values).scatter_add_(1, group, values)
    counts = torch.zeros_like(values).scatter_add_(1, group, torch.ones_like(values))
    return sums.gather(1, group) / counts.gather(1, group)


def _inclusion(closer: torch.Tensor, group: torch.Tensor, k: int) -> torch.Tensor:
    """Probability of being among the k nearest."""
    return ((k - closer) / group).clamp_(0.0, 1.0)


def _excess_rank(closer: torch.Tensor, group: torch.Tensor, k: int) -> torch.Tensor:
    """Expected ``max(rank − k, 0)``, the rank uniform on ``closer + 1 … closer + group``."""
    low = torch.clamp(closer + 1, min=k + 1)
    high = closer + group
    count = (high - low + 1).clamp_(min=0.0)
    return count * (low + high - 2 * k) / (2 * group)


# ----------------------------------------------------------------------------- checks
def check_k(k: int, n: int, subsampled: bool) -> int:
    """Return ``k`` if ``1 <= k <= n - 2``; the error names ``k`` and the sample count."""
    k = check_int("k", k, 1)
    if k > n - 2:
        where = (f"the rank measures run on a subsample of {n} (sample_size={n})"
                 if subsampled else f"data has {n} sample{'s' if n != 1 else ''}")
        raise ValueError(
            f"k={k} is too large: the rank measures need 1 <= k <= n_samples - 2 = {n - 2} "
            f"(with k >= n_samples - 1 every sample is everyone's neighbour); {where}."
        )
    return k


def draw_subsample(data: torch.Tensor, embedded: torch.Tensor, sample_size: int | None,
                   random_state: int) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Rows of ``data`` and ``embedded`` (same count): all of them when there are at most
    ``sample_size`` (or it is None), else ``sample_size`` rows drawn without replacement by
    a private generator seeded with ``random_state``, in their original order. The third
    value says whether rows were drawn."""
    random_state = check_int("random_state", random_state, 0)
    if sample_size is None:
        return data, embedded, False
    sample_size = check_int("sample_size", sample_size, 3)
    if data.shape[0] <= sample_size:
        return data, embedded, False
    generator = torch.Generator().manual_seed(random_state)
    chosen = torch.randperm(data.shape[0], generator=generator)[:sample_size].sort().values
    return data[chosen.to(data.device)], embedded[chosen.to(embedded.device)], True


# ----------------------------------------------------------------------------- measures
def rank_measures(
    data: torch.Tensor,
    embedded: torch.Tensor,
    k: int = 5,
    *,
    cross_distance: CrossDistance = euclidean_cross,
    periods: tuple[float, float] | None = None,
    decimals: int | None = None,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE,
    random_state: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Trustworthiness, continuity and neighbourhood preservation in one pass.

    For sample ``i`` let ``r(i, j)`` be the rank of ``j`` among the others by data distance
    and ``r̂(i, j)`` its rank by embedded (map) distance; ``N_k(i)`` and ``N̂_k(i)`` the k
    nearest in each space. With ``G = N k (2N − 3k − 1)`` for ``k < N/2`` and
    ``G = N (N − k)(N − k − 1)`` otherwise (the largest possible penalty, so both lie in
    [0, 1])::

        T(k)  = 1 − (2/G) Σ_i Σ_{j ∈ N̂_k(i) \\ N_k(i)} (r(i, j) − k)
        C(k)  = 1 − (2/G) Σ_i Σ_{j ∈ N_k(i) \\ N̂_k(i)} (r̂(i, j) − k)
        NP(k) = (1/(N k)) Σ_i |N_k(i) ∩ N̂_k(i)|

    Trustworthiness ``T`` penalises embedded neighbours that are far in the data,
    continuity ``C`` data neighbours that the embedding tears apart (Venna & Kaski,
    "Neighborhood preservation in nonlinear projection methods: an experimental study",
    ICANN 2001, LNCS 2130, 485–491). ``NP`` is the average share of shared
    k-neighbourhoods (Lee & Verleysen, "Quality assessment of dimensionality reduction:
    rank-based criteria", Neurocomputing 72, 2009, 1431–1443). Ties: module notes.

    Parameters
    ----------
    data : array-like
        Shape (N, F).
    embedded : array-like
        Shape (N, D): each sample's low-dimensional position (on a map, its BMU's grid
        position); D must be 2 with ``periods``.
    k : int
        Neighbourhood size, ``1 <= k <= n - 2`` for the ``n`` samples used.
    cross_distance : callable
        Data-space distance ``(b, F) × (n, F) → (b, n)``.
    periods : tuple of float, optional
        Wrap periods of the embedded space (a torus), as in
        :func:`torchsom.topology.coordinates.grid_distance_sq`.
    decimals : int, optional
        Round squared embedded distances to this many decimals before ranking, so that
        equal grid distances computed from irrational coordinates tie exactly.
    sample_size : int or None
        Above this many samples, run on a random subsample of this size (None: all).
    random_state : int
        Seed of the subsample (a private generator; the global random state is untouched).

    Returns
    -------
    trustworthiness, continuity, neighborhood_preservation : torch.Tensor
        0-d float64 each, in [0, 1].
    """
    is_float = isinstance(data, torch.Tensor) and data.is_floating_point()
    data = as_data(data, name="data", dtype=data.dtype if is_float else torch.float32,
                   device=getattr(data, "device", "cpu"))
    embedded = as_data(embedded, name="embedded", dtype=torch.float64, device=data.device)
    if embedded.shape[0] != data.shape[0]:
        raise ValueError(
            f"embedded must have one row per sample of data ({data.shape[0]}); got shape "
            f"{tuple(embedded.shape)}."
        )
    data, embedded, subsampled = draw_subsample(data, embedded, sample_size, random_state)
    n = data.shape[0]
    k = check_k(k, n, subsampled)
    spots, spot_of, spot_size = torch.unique(embedded, dim=0, return_inverse=True,
                                             return_counts=True)
    spot_weights = None if spots.shape[0] == n else spot_size
    step = max(1, min(n, DEFAULT_MEMORY_BUDGET // (12 * 8 * n)))
    sums = torch.zeros(3, dtype=torch.float64, device=data.device)
    for start in range(0, n, step):
        rows = torch.arange(start, min(start + step, n), device=data.device)
        own = (torch.arange(rows.shape[0], device=data.device), rows)
        keys = cross_distance(data[rows], data).double()
        keys[own] = -math.inf  # each sample first in its own row, then not counted
        closer_d, group_d = tie_counts(keys)
        closer_d -= 1.0
        closer_m, group_m = _embedded_counts(spots, spot_of, spot_weights, rows, periods,
                                             decimals)
        group_m[own] = 1.0  # the query's own entry is masked below; keep it finite
        in_data = _inclusion(closer_d, group_d, k)
        in_map = _inclusion(closer_m, group_m, k)
        in_data[own] = 0.0
        in_map[own] = 0.0
        # only pairs that may be neighbours contribute: about k per row, plus ties
        near = in_map.nonzero(as_tuple=True)
        sums[0] += (in_map[near] * _excess_rank(closer_d[near], group_d[near], k)).sum()
        near = in_data.nonzero(as_tuple=True)
        sums[1] += (in_data[near] * _excess_rank(closer_m[near], group_m[near], k)).sum()
        sums[2] += (in_data[near] * in_map[near]).sum()
    worst = n * k * (2 * n - 3 * k - 1) if 2 * k < n else n * (n - k) * (n - k - 1)
    return 1.0 - 2.0 * sums[0] / worst, 1.0 - 2.0 * sums[1] / worst, sums[2] / (n * k)


def _embedded_counts(
    spots: torch.Tensor, spot_of: torch.Tensor, spot_weights: torch.Tensor | None,
    rows: torch.Tensor, periods: tuple[float, float] | None, decimals: int | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tie counts of every sample seen from each query row, over the distinct positions
    ``spots`` (u, D) weighted by how many samples sit there; the query itself excluded."""
    keys = grid_distance_sq(spots, spot_of[rows], periods)  # (b, u)
    if decimals is not None:
        keys = torch.round(keys, decimals=decimals)
    below, tied = tie_counts(keys, spot_weights)
    own_key = keys.gather(1, spot_of[rows].unsqueeze(1))
    tied -= (keys == own_key).to(tied.dtype)
    below -= (keys > own_key).to(below.dtype)
    columns = spot_of.unsqueeze(0).expand(rows.shape[0], -1)
    return below.gather(1, columns), tied.gather(1, columns)


def trustworthiness(
    data: torch.Tensor, embedded: torch.Tensor, k: int = 5, *,
    cross_distance: CrossDistance = euclidean_cross,
    periods: tuple[float, float] | None = None, decimals: int | None = None,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE, random_state: int = 0,
) -> torch.Tensor:
    """Trustworthiness at ``k``: 1 when every embedded neighbour is a data neighbour.

    Formula, ties and parameters: :func:`rank_measures`.
    """
    return rank_measures(data, embedded, k, cross_distance=cross_distance, periods=periods,
                         decimals=decimals, sample_size=sample_size,
                         random_state=random_state)[0]


def continuity(
    data: torch.Tensor, embedded: torch.Tensor, k: int = 5, *,
    cross_distance: CrossDistance = euclidean_cross,
    periods: tuple[float, float] | None = None, decimals: int | None = None,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE, random_state: int = 0,
) -> torch.Tensor:
    """Continuity at ``k``: 1 when every data neighbour stays an embedded neighbour.

    Formula, ties and parameters: :func:`rank_measures`.
    """
    return rank_measures(data, embedded, k, cross_distance=cross_distance, periods=periods,
                         decimals=decimals, sample_size=sample_size,
                         random_state=random_state)[1]


def neighborhood_preservation(
    data: torch.Tensor, embedded: torch.Tensor, k: int = 5, *,
    cross_distance: CrossDistance = euclidean_cross,
    periods: tuple[float, float] | None = None, decimals: int | None = None,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE, random_state: int = 0,
) -> torch.Tensor:
    """Average share of each sample's k data neighbours that are also its k embedded
    neighbours. Formula, ties and parameters: :func:`rank_measures`."""
    return rank_measures(data, embedded, k, cross_distance=cross_distance, periods=periods,
                         decimals=decimals, sample_size=sample_size,
                         random_state=random_state)[2]
