"""Per-neuron maps computed from tensors.

Every kernel here works on an *assignment*: two int64 tensors of equal length,
``samples`` (row indices into the data / target) and ``neurons`` (flat neuron index
``row * y + col`` of each of those rows). Kernels return flat per-neuron tensors of shape
(n_neurons,); callers reshape to (x, y). Empty neurons are NaN in every statistics map.

Nothing loops over samples in Python; per-neuron statistics use scatter operations, and
the U-matrix and the classification tie-break work on a neighbour table of shape
(n_neurons, k) (``-1`` marks a missing neighbour), in chunks that bound memory. Kernels
that return sample indices (grouping by neuron, retrieval) are in
:mod:`torchsom.functional.members`.

Inputs are assumed valid (the public entry points in :mod:`torchsom.core.maps` check
them).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

__all__ = [
    "METRIC_REDUCTIONS",
    "U_MATRIX_SCALINGS",
    "SCORE_FLOOR",
    "hit_map",
    "dedupe_neighbors",
    "distance_map",
    "neuron_counts",
    "neuron_mean",
    "neuron_std",
    "metric_map",
    "score_map",
    "rank_map",
    "classification_map",
    "rows_per_chunk",
]

#: reductions accepted by :func:`metric_map`
METRIC_REDUCTIONS = ("mean", "std", "median", "min", "max")
#: scalings accepted by :func:`distance_map`
U_MATRIX_SCALINGS = ("sum", "mean")
#: smallest value of the score map and of a single-sample ``std`` (keeps log scales finite)
SCORE_FLOOR = 1e-8

# bytes of scratch memory one chunk may use
_BUDGET = 64 * 1024 * 1024


def _stat_dtype(device: torch.device) -> torch.dtype:
    """Accumulation dtype: float64 where the device supports it."""
    return torch.float32 if device.type == "mps" else torch.float64


def rows_per_chunk(row_cost: int) -> int:
    """Rows per chunk when a row needs ``row_cost`` 4-byte scratch values (64 MiB a chunk)."""
    return max(1, _BUDGET // max(1, 4 * row_cost))


# ---------------------------------------------------------------------------- counts
def hit_map(neurons: torch.Tensor, n_neurons: int) -> torch.Tensor:
    """Number of samples assigned to each neuron.

    Parameters
    ----------
    neurons : torch.Tensor
        Shape (m,), int64 flat neuron index of every sample.
    n_neurons : int
        Number of neurons.

    Returns
    -------
    torch.Tensor
        Shape (n_neurons,), float32 counts (0 for unused neurons).
    """
    return torch.bincount(neurons, minlength=n_neurons).to(torch.float32)


def dedupe_neighbors(table: torch.Tensor) -> torch.Tensor:
    """Blank out (set to -1) self-references and repeated entries of a neighbour table.

    On small periodic grids two offsets can wrap onto the same cell, or onto the centre
    itself; each neighbour must count once. The first occurrence in column order is kept.

    Parameters
    ----------
    table : torch.Tensor
        Shape (n_neurons, k), int64 flat neighbour indices, ``-1`` for none.

    Returns
    -------
    torch.Tensor
        Same shape; every row lists distinct neighbours other than the neuron itself.
    """
    if table.shape[1] == 0:
        return table
    own = torch.arange(table.shape[0], device=table.device).unsqueeze(1)
    values, perm = torch.sort(table, dim=1, stable=True)
    repeat_sorted = torch.zeros_like(values, dtype=torch.bool)
    repeat_sorted[:, 1:] = values[:, 1:] == values[:, :-1]
    repeat = torch.zeros_like(repeat_sorted).scatter_(1, perm, repeat_sorted)
    bad = repeat | (table == own) | (table < 0)
    return torch.where(bad, torch.full_like(table, -1), table)


# ---------------------------------------------------------------------------- U-matrix
def distance_map(
    codebook: torch.Tensor,
    table: torch.Tensor,
    scaling: str = "sum",
    pairwise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    cross: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """U-matrix: each neuron's feature distance to its grid neighbours, scaled to [0, 1].

    Parameters
    ----------
    codebook : torch.Tensor
        Shape (n_neurons, F).
    table : torch.Tensor
        Shape (n_neurons, k): distinct neighbours of each neuron, ``-1`` for none (see
        :func:`dedupe_neighbors`).
    scaling : {"sum", "mean"}
        Sum of the distances to the neighbours, or their mean.
    pairwise : callable, optional
        Row-wise distance ``(m, F) × (m, F) → (m,)``.
    cross : callable, optional
        ``(b, F) × (n, F) → (b, n)`` distance, used when ``pairwise`` is not given.

    Returns
    -------
    torch.Tensor
        Shape (n_neurons,), float32, divided by its maximum when that is > 0; a neuron
        with no neighbour is 0.
    """
    n, k = table.shape
    features = codebook.shape[1]
    total = torch.zeros(n, dtype=codebook.dtype, device=codebook.device)
    valid = table >= 0
    safe = table.clamp_min(0)
    step = rows_per_chunk(k * features if pairwise is not None else n)
    for start in range(0, n if k else 0, step):
        rows = slice(start, start + step)
        if pairwise is not None:
            block = codebook[rows]
            left = block.unsqueeze(1).expand(-1, k, -1).reshape(-1, features)
            dist = pairwise(left, codebook[safe[rows]].reshape(-1, features)).reshape(-1, k)
        else:
            dist = cross(codebook[rows], codebook).gather(1, safe[rows])
        total[rows] = torch.where(valid[rows], dist, torch.zeros_like(dist)).sum(1)
    if scaling == "mean":
        count = valid.sum(1)
        total = torch.where(count > 0, total / count.clamp_min(1), total)
    top = total.max() if n else total.new_zeros(())
    if float(top) > 0:
        total = total / top
    return total.to(torch.float32)


# ---------------------------------------------------------------------------- statistics
def neuron_counts(neurons: torch.Tensor, n_neurons: int) -> torch.Tensor:
    """Samples per neuron, shape (n_neurons,), int64."""
    return torch.bincount(neurons, minlength=n_neurons)


def neuron_mean(values: torch.Tensor, neurons: torch.Tensor, n_neurons: int) -> torch.Tensor:
    """Mean of ``values`` (m,) per neuron, shape (n_neurons,); NaN for empty neurons."""
    acc = _stat_dtype(values.device)
    sums = torch.zeros(n_neurons, dtype=acc, device=values.device)
    sums.index_add_(0, neurons, values.to(acc))
    counts = neuron_counts(neurons, n_neurons)
    return torch.where(counts > 0, sums / counts.clamp_min(1), torch.full_like(sums, math.nan))


def neuron_std(values: torch.Tensor, neurons: torch.Tensor, n_neurons: int) -> torch.Tensor:
    """Unbiased standard deviation of ``values`` (m,) per neuron, shape (n_neurons,).

    NaN for neurons with fewer than two samples (two-pass, numerically stable).
    """
    acc = _stat_dtype(values.device)
    mean = neuron_mean(values, neurons, n_neurons)
    centred = values.to(acc) - mean[neurons]
    squares = torch.zeros(n_neurons, dtype=acc, device=values.device)
    squares.index_add_(0, neurons, centred * centred)
    counts = neuron_counts(neurons, n_neurons)
    return torch.where(
        counts > 1, (squares / (counts - 1).clamp_min(1)).sqrt(), torch.full_like(squares, math.nan)
    )


def _neuron_median(values: torch.Tensor, neurons: torch.Tensor, n_neurons: int) -> torch.Tensor:
    acc = _stat_dtype(values.device)
    by_value = torch.sort(values.to(acc), stable=True)
    by_neuron = torch.sort(neurons[by_value.indices], stable=True).indices
    ordered = by_value.values[by_neuron]
    counts = neuron_counts(neurons, n_neurons)
    start = torch.cumsum(counts, 0) - counts
    empty = counts == 0
    last = max(0, ordered.shape[0] - 1)
    lo = (start + (counts - 1).clamp_min(0) // 2).clamp(0, last)
    hi = (start + counts // 2).clamp(0, last)
    if ordered.shape[0] == 0:
        return torch.full((n_neurons,), math.nan, dtype=acc, device=values.device)
    median = (ordered[lo] + ordered[hi]) / 2
    return torch.where(empty, torch.full_like(median, math.nan), median)


def _neuron_extreme(
    values: torch.Tensor, neurons: torch.Tensor, n_neurons: int, reduce: str
) -> torch.Tensor:
    acc = _stat_dtype(values.device)
    out = torch.zeros(n_neurons, dtype=acc, device=values.device)
    out = out.scatter_reduce(0, neurons, values.to(acc), reduce=reduce, include_self=False)
    counts = neuron_counts(neurons, n_neurons)
    return torch.where(counts > 0, out, torch.full_like(out, math.nan))


def metric_map(
    values: torch.Tensor, neurons: torch.Tensor, n_neurons: int, reduction: str = "mean",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """One statistic of the target per neuron.

    Parameters
    ----------
    values : torch.Tensor
        Shape (m,): target value of every assigned sample.
    neurons : torch.Tensor
        Shape (m,), int64 flat neuron of every sample.
    n_neurons : int
        Number of neurons.
    reduction : {"mean", "std", "median", "min", "max"}
        ``std`` is the unbiased standard deviation; a neuron with a single sample gets
        :data:`SCORE_FLOOR` (1e-8). ``median`` averages the two middle values of an even
        count.
    dtype : torch.dtype, default=torch.float32
        Dtype of the result (statistics are accumulated in float64 where the device
        allows it).

    Returns
    -------
    torch.Tensor
        Shape (n_neurons,), ``dtype``, NaN for empty neurons.
    """
    if reduction == "mean":
        out = neuron_mean(values, neurons, n_neurons)
    elif reduction == "std":
        out = neuron_std(values, neurons, n_neurons)
        single = neuron_counts(neurons, n_neurons) == 1
        out = torch.where(single, torch.full_like(out, SCORE_FLOOR), out)
    elif reduction == "median":
        out = _neuron_median(values, neurons, n_neurons)
    elif reduction in ("min", "max"):
        out = _neuron_extreme(values, neurons, n_neurons, "amin" if reduction == "min" else "amax")
    else:
        raise ValueError(
            f"reduction={reduction!r} is not valid; expected one of {METRIC_REDUCTIONS}."
        )
    return out.to(dtype)


def score_map(
    values: torch.Tensor, neurons: torch.Tensor, n_neurons: int, total_samples: int
) -> torch.Tensor:
    """Reliability score per neuron (lower is better).

    ``max(std / sqrt(n) * ln(total_samples / n), 1e-8)`` for a neuron holding ``n >= 2``
    samples (``std`` unbiased); 1e-8 for ``n == 1``; NaN for empty neurons.

    Returns
    -------
    torch.Tensor
        Shape (n_neurons,), float32.
    """
    counts = neuron_counts(neurons, n_neurons)
    std = neuron_std(values, neurons, n_neurons)
    n = counts.to(std.dtype).clamp_min(1)
    raw = std / n.sqrt() * torch.log(float(total_samples) / n)
    out = torch.where(counts > 1, raw.clamp_min(SCORE_FLOOR), torch.full_like(raw, SCORE_FLOOR))
    out = torch.where(counts == 0, torch.full_like(out, math.nan), out)
    return out.to(torch.float32)


def rank_map(values: torch.Tensor, neurons: torch.Tensor, n_neurons: int) -> torch.Tensor:
    """Rank of every non-empty neuron by the spread of its target, largest spread first.

    The spread is the unbiased standard deviation (0 for a single sample). Rank 1 is the
    neuron with the **largest** standard deviation, rank ``n_active`` the smallest. Equal
    spreads are ranked in flat neuron order (row-major), so ties are stable.

    Returns
    -------
    torch.Tensor
        Shape (n_neurons,), float32 ranks ``1..n_active``; NaN for empty neurons.
    """
    counts = neuron_counts(neurons, n_neurons)
    std = neuron_std(values, neurons, n_neurons)
    std = torch.where(counts == 1, torch.zeros_like(std), std)
    active = (counts > 0).nonzero().squeeze(1)
    order = torch.sort(std[active], descending=True, stable=True).indices
    ranks = torch.full((n_neurons,), math.nan, dtype=torch.float32, device=values.device)
    ranks[active[order]] = torch.arange(
        1, active.shape[0] + 1, dtype=torch.float32, device=values.device
    )
    return ranks


def classification_map(
    labels: torch.Tensor, neurons: torch.Tensor, n_neurons: int, table: torch.Tensor,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Majority label of every neuron.

    A neuron whose most frequent labels tie picks, **among its own tied labels only**, the
    one held by most samples in its neighbour neurons (``table``). If that still ties, or
    no neighbour holds any of them, the smallest tied label wins. The result is
    deterministic and never a label the neuron did not hold. Label values are kept as
    numbers, so 0 is an ordinary label.

    Parameters
    ----------
    labels : torch.Tensor
        Shape (m,): label of every assigned sample (integer or float values).
    neurons : torch.Tensor
        Shape (m,), int64 flat neuron of every sample.
    n_neurons : int
        Number of neurons.
    table : torch.Tensor
        Shape (n_neurons, k): distinct neighbours, ``-1`` for none (periodic wrap already
        applied by whoever built it).
    dtype : torch.dtype, default=torch.float32
        Dtype of the result; it must hold every label exactly (float64 for labels beyond
        ±2**24).

    Returns
    -------
    torch.Tensor
        Shape (n_neurons,), ``dtype`` label values; NaN for empty neurons.
    """
    out = torch.full((n_neurons,), math.nan, dtype=dtype, device=labels.device)
    if labels.shape[0] == 0:
        return out
    classes, codes = torch.unique(labels, sorted=True, return_inverse=True)
    n_classes = classes.shape[0]
    votes = torch.zeros(n_neurons * n_classes, dtype=torch.long, device=labels.device)
    votes.index_add_(0, neurons * n_classes + codes, torch.ones_like(codes))
    votes = votes.reshape(n_neurons, n_classes)
    top = votes.max(1, keepdim=True).values
    tied = (votes == top) & (top > 0)
    choice = votes.argmax(1)  # first maximum: the smallest label when tied
    tie_rows = (tied.sum(1) > 1).nonzero().squeeze(1)
    # neighbour votes of the tied neurons, in chunks of bounded memory
    step = rows_per_chunk(2 * max(1, table.shape[1]) * n_classes)
    for start in range(0, tie_rows.numel() if table.shape[1] else 0, step):
        rows = tie_rows[start:start + step]
        nbrs = table[rows]
        around = votes[nbrs.clamp_min(0)] * (nbrs >= 0).unsqueeze(-1)
        support = around.sum(1)  # (t, n_classes)
        support = torch.where(tied[rows], support, torch.full_like(support, -1))
        choice[rows] = support.argmax(1)
    labelled = top.squeeze(1) > 0
    out[labelled] = classes[choice[labelled]].to(dtype)
    return out
