"""The samples each neuron holds: grouping an assignment by neuron, recovering row
indices from data rows, and the sample buffers of retrieval queries.

An *assignment* is two int64 tensors of equal length, ``samples`` (row indices into the
data) and ``neurons`` (flat neuron index ``row * y + col`` of each of those rows). The
kernels here return sample indices, not per-neuron values (those are in
:mod:`torchsom.functional.maps`). Nothing loops over samples or queries in Python.

Inputs are assumed valid (the entry points in :mod:`torchsom.core.maps` and
:mod:`torchsom.core.retrieval` check them).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from torchsom.functional.maps import rows_per_chunk

__all__ = ["group_members", "match_rows", "retrieval_buffers"]


def group_members(
    samples: torch.Tensor, neurons: torch.Tensor, n_neurons: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Group sample indices by neuron, keeping their given order inside each neuron.

    Parameters
    ----------
    samples, neurons : torch.Tensor
        Shape (m,), int64: the assignment.
    n_neurons : int
        Number of neurons.

    Returns
    -------
    members : torch.Tensor
        Shape (m,): ``samples`` reordered so each neuron's samples are contiguous, neurons
        in flat order.
    ptr : torch.Tensor
        Shape (n_neurons + 1,): neuron ``k`` owns ``members[ptr[k]:ptr[k + 1]]``.
    """
    order = torch.sort(neurons, stable=True).indices
    counts = torch.bincount(neurons, minlength=n_neurons)
    ptr = torch.zeros(n_neurons + 1, dtype=torch.long, device=neurons.device)
    torch.cumsum(counts, 0, out=ptr[1:])
    return samples[order], ptr


# ---------------------------------------------------------------------------- rows
def match_rows(data: torch.Tensor, vectors: torch.Tensor, groups: torch.Tensor) -> tuple[
    torch.Tensor, torch.Tensor
]:
    """Recover which rows of ``data`` a set of data vectors came from.

    Parameters
    ----------
    data : torch.Tensor
        Shape (n, F).
    vectors : torch.Tensor
        Shape (m, F): copies of rows of ``data``.
    groups : torch.Tensor
        Shape (m,), int64: a label (e.g. the neuron) of every vector.

    Returns
    -------
    samples, labels : torch.Tensor
        int64, equal length: every data row equal to one of the vectors, ascending, and
        the label of (the first) vector it equals. Identical data rows are all returned.
    """
    if vectors.shape[0] == 0:
        empty = torch.empty(0, dtype=torch.long, device=data.device)
        return empty, empty
    both = torch.cat((data, vectors.to(data)), 0)
    _, inverse = torch.unique(both, dim=0, return_inverse=True)
    n = data.shape[0]
    data_key, vector_key = inverse[:n], inverse[n:]
    n_keys = int(inverse.max()) + 1
    owner = torch.full((n_keys,), -1, dtype=torch.long, device=data.device)
    # first vector of each key wins: scatter in reverse so the earliest write lands last
    reverse = torch.arange(vector_key.shape[0] - 1, -1, -1, device=data.device)
    owner[vector_key[reverse]] = groups.to(data.device)[reverse]
    label = owner[data_key]
    samples = (label >= 0).nonzero().squeeze(1)
    return samples, label[samples]


# ---------------------------------------------------------------------------- retrieval
def retrieval_buffers(
    bmus: torch.Tensor,
    members: torch.Tensor,
    ptr: torch.Tensor,
    table: torch.Tensor | None = None,
    fallback_distances: Callable[[torch.Tensor], torch.Tensor] | None = None,
    min_count: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample buffers of many queries at once, without a loop over queries.

    Each query's buffer is made of whole neurons, in this order: its BMU; then (when
    ``table`` is given) the BMU's neighbours in table-column order; then (when
    ``fallback_distances`` is given and the buffer holds fewer than ``min_count`` samples)
    the remaining non-empty neurons closest to the query, one whole neuron at a time,
    until the buffer holds at least ``min_count`` samples or none is left. Inside a neuron
    samples keep their order in ``members``.

    Parameters
    ----------
    bmus : torch.Tensor
        Shape (q,), int64 flat BMU of every query.
    members, ptr : torch.Tensor
        Sample indices grouped by neuron, see :func:`group_members`.
    table : torch.Tensor, optional
        Shape (n_neurons, k): distinct neighbours other than the neuron itself, ``-1`` for
        none. ``None`` retrieves the BMU only.
    fallback_distances : callable, optional
        ``rows (r,) → (r, n_neurons)`` feature distances from the queries ``rows`` to every
        neuron; enables the nearest-neuron fallback.
    min_count : int
        Smallest buffer the fallback aims for.

    Returns
    -------
    indices : torch.Tensor
        int64, all buffers concatenated.
    offsets : torch.Tensor
        Shape (q + 1,): query ``i``'s buffer is ``indices[offsets[i]:offsets[i + 1]]``.
    """
    device = bmus.device
    n_neurons = ptr.shape[0] - 1
    counts = ptr[1:] - ptr[:-1]
    cells = bmus.unsqueeze(1)
    if table is not None and table.shape[1]:
        cells = torch.cat((cells, table[bmus]), 1)
    present = cells >= 0
    cell_counts = torch.where(present, counts[cells.clamp_min(0)], torch.zeros_like(cells))
    base = cell_counts.sum(1)
    if fallback_distances is not None and min_count > 0 and n_neurons:
        short = (base < min_count).nonzero().squeeze(1)
        pieces: list[tuple[torch.Tensor, torch.Tensor]] = []
        width = 0
        step = rows_per_chunk(3 * n_neurons)
        for start in range(0, short.shape[0], step):
            rows = short[start : start + step]
            dist = fallback_distances(rows).to(torch.float64)
            taken = cells[rows]
            # column n_neurons absorbs the -1 padding
            slot = torch.where(taken >= 0, taken, torch.full_like(taken, n_neurons))
            visited = torch.zeros(rows.shape[0], n_neurons + 1, dtype=torch.bool, device=device)
            visited.scatter_(1, slot, True)
            blocked = visited[:, :n_neurons] | (counts == 0).unsqueeze(0)
            dist = torch.where(blocked, torch.full_like(dist, math.inf), dist)
            order = torch.sort(dist, dim=1, stable=True).indices
            sizes = torch.where(
                torch.gather(blocked, 1, order), torch.zeros_like(order), counts[order]
            )
            before = torch.cumsum(sizes, 1) - sizes
            take = (base[rows].unsqueeze(1) + before < min_count) & (sizes > 0)
            n_take = int(take.sum(1).max()) if rows.numel() else 0
            chosen = torch.where(take, order, torch.full_like(order, -1))[:, :n_take]
            pieces.append((rows, chosen))
            width = max(width, n_take)
        if width:
            extra = torch.full((bmus.shape[0], width), -1, dtype=torch.long, device=device)
            for rows, chosen in pieces:
                extra[rows, : chosen.shape[1]] = chosen
            cells = torch.cat((cells, extra), 1)
            present = cells >= 0
            cell_counts = torch.where(present, counts[cells.clamp_min(0)],
                                      torch.zeros_like(cells))
    per_query = cell_counts.sum(1)
    offsets = torch.zeros(bmus.shape[0] + 1, dtype=torch.long, device=device)
    torch.cumsum(per_query, 0, out=offsets[1:])
    flat_cells = cells.reshape(-1)
    flat_counts = cell_counts.reshape(-1)
    keep = flat_counts > 0
    flat_cells, flat_counts = flat_cells[keep], flat_counts[keep]
    total = int(flat_counts.sum())
    if total == 0:
        return torch.empty(0, dtype=torch.long, device=device), offsets
    starts = torch.repeat_interleave(ptr[flat_cells], flat_counts)
    first = torch.repeat_interleave(torch.cumsum(flat_counts, 0) - flat_counts, flat_counts)
    position = starts + torch.arange(total, device=device) - first
    return members[position], offsets
