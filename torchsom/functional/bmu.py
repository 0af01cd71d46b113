"""Chunked best-matching-unit search on torch tensors.

The search never holds more than ``chunk_size × n_neurons`` distances at once, so it
works on millions of samples. For the euclidean metric the ranking uses one matrix
product per chunk (``‖w‖² − 2 x·w``) and the distance to the best unit is then
recomputed exactly from the difference vector.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom.functional.distances import euclidean_cross

__all__ = ["DEFAULT_MEMORY_BUDGET", "chunk_size_for", "topk_bmus"]

#: bytes of scratch memory one search chunk may use
DEFAULT_MEMORY_BUDGET = 64 * 1024 * 1024


def chunk_size_for(n_neurons: int, budget_bytes: int = DEFAULT_MEMORY_BUDGET) -> int:
    """Number of samples per chunk so that a (chunk, n_neurons) float32 block fits."""
    return max(1, budget_bytes // (4 * max(1, n_neurons) * 2))


def topk_bmus(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    k: int = 1,
    chunk_size: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Find the ``k`` nearest neurons of every sample.

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, F).
    codebook : torch.Tensor
        Shape (n_neurons, F).
    cross_distance : callable
        ``(b, F) × (n, F) → (b, n)`` distance.
    k : int
        Number of neighbours, ``1 <= k <= n_neurons``.
    chunk_size : int, optional
        Samples per chunk; derived from a memory budget by default.

    Returns
    -------
    distances : torch.Tensor
        Shape (n_samples, k), ascending.
    indices : torch.Tensor
        Shape (n_samples, k), int64 flat neuron indices. Ties resolve to the lowest index
        for ``k == 1``.
    """
    n = data.shape[0]
    step = chunk_size or chunk_size_for(codebook.shape[0])
    euclid = cross_distance is euclidean_cross
    sq_norms = (codebook * codebook).sum(1) if euclid else None
    dist_out = torch.empty(n, k, dtype=data.dtype, device=data.device)
    idx_out = torch.empty(n, k, dtype=torch.long, device=data.device)
    for start in range(0, n, step):
        block = data[start : start + step]
        if euclid:
            scores = torch.addmm(sq_norms.unsqueeze(0), block, codebook.T, alpha=-2.0)
        else:
            scores = cross_distance(block, codebook)
        if k == 1:
            idx = scores.argmin(dim=1, keepdim=True)
        else:
            idx = scores.topk(k, dim=1, largest=False).indices
        dist = scores.gather(1, idx)
        if euclid:
            # ranking came from ‖w‖² − 2x·w; the best unit's distance is recomputed from
            # the difference vector (no cancellation), the others from the expansion
            dist.add_((block * block).sum(1, keepdim=True)).clamp_(min=0.0).sqrt_()
            dist[:, 0] = (block - codebook[idx[:, 0]]).norm(dim=1)
        dist_out[start : start + step] = dist
        idx_out[start : start + step] = idx
    return dist_out, idx_out
