"""One epoch of each training rule, on tensors.

Both rules report, for every sample, the distance to its BMU and its two best units, as
found by the searches the rule performs anyway; the caller turns them into the epoch's
quantization and topographic errors with one reduction.

Mini-batch rule (the default, ``algorithm="minibatch"``)
    For each batch ``X`` (b, F) with BMUs ``c_k`` and neighbourhood rows ``H`` (b, n):
    ``W ← W + (lr / b) · Σ_k H[k] ⊙ (X_k − W)``. The search for a batch sees the weights
    left by the previous batch.

Batch rule (``algorithm="batch"``)
    One search over all data with fixed weights, per-neuron sums ``S`` and counts ``c``,
    smoothed over the grid: ``W*_n = Σ_m h(m, n) S_m / Σ_m h(m, n) c_m``. Then
    ``W ← W + lr · (W* − W)`` for every neuron with a positive denominator; with
    ``lr = 1`` this is Kohonen's batch map.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom.functional.bmu import topk_bmus
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.smoothing import GridKernel

__all__ = ["minibatch_epoch", "batch_epoch", "minibatch_update"]


def minibatch_update(
    weights: torch.Tensor, batch: torch.Tensor, rows: torch.Tensor, learning_rate: float
) -> None:
    """Apply ``W ← W + (lr / b) · (Hᵀ X − (Σ_k H[k]) ⊙ W)`` in place.

    Parameters
    ----------
    weights : torch.Tensor
        Shape (n_neurons, F), updated in place.
    batch : torch.Tensor
        Shape (b, F).
    rows : torch.Tensor
        Shape (b, n_neurons): neighbourhood weights of each sample's BMU.
    learning_rate : float
        Learning rate of this epoch.
    """
    step = learning_rate / batch.shape[0]
    weights.addcmul_(weights, rows.sum(0).unsqueeze(1), value=-step)
    weights.add_(rows.T @ batch, alpha=step)


def minibatch_epoch(
    weights: torch.Tensor,
    shuffled: torch.Tensor,
    batch_size: int,
    learning_rate: float,
    kernel: GridKernel,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run one epoch of the mini-batch rule in place.

    Parameters
    ----------
    weights : torch.Tensor
        Shape (n_neurons, F), updated in place.
    shuffled : torch.Tensor
        Shape (n_samples, F): the data in this epoch's order.
    batch_size : int
        Samples per update.
    learning_rate : float
        Learning rate of this epoch.
    kernel : GridKernel
        Neighbourhood of this epoch.
    cross_distance : callable
        ``(b, F) × (n, F) → (b, n)`` distance.

    Returns
    -------
    bmu_distance : torch.Tensor
        Shape (n_samples,): each sample's BMU distance at the time of its search.
    best_two : torch.Tensor
        Shape (n_samples, 2): each sample's two best units at that time.
    """
    n, features = shuffled.shape
    two = min(2, weights.shape[0])
    best = torch.empty(n, two, dtype=torch.long, device=weights.device)
    found = torch.empty(n, dtype=weights.dtype, device=weights.device)
    euclid = cross_distance is euclidean_cross
    if euclid:
        # one product gives Hᵀ[X | 1], i.e. both Σ H·x and Σ H
        augmented = torch.cat([shuffled, shuffled.new_ones(n, 1)], dim=1)
        sample_sq = (shuffled * shuffled).sum(1)
        sq_norms = (weights * weights).sum(1)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        batch = shuffled[start:stop]
        if euclid:
            scores = torch.addmm(sq_norms, batch, weights.T, alpha=-2.0)
        else:
            scores = cross_distance(batch, weights)
        values, idx = scores.topk(two, dim=1, largest=False)
        best[start:stop] = idx
        found[start:stop] = values[:, 0]
        rows = kernel.rows(idx[:, 0])
        if euclid:
            sums = rows.T @ augmented[start:stop]
            step = learning_rate / (stop - start)
            weights.addcmul_(weights, sums[:, features:], value=-step)
            weights.add_(sums[:, :features], alpha=step)
            sq_norms = (weights * weights).sum(1)
        else:
            minibatch_update(weights, batch, rows, learning_rate)
    if euclid:
        found = (found + sample_sq).clamp_(min=0.0).sqrt_()
    return found, best


def batch_epoch(
    weights: torch.Tensor,
    data: torch.Tensor,
    learning_rate: float,
    kernel: GridKernel,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    chunk_size: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run one epoch of the batch rule in place.

    Parameters
    ----------
    weights : torch.Tensor
        Shape (n_neurons, F), updated in place.
    data : torch.Tensor
        Shape (n_samples, F).
    learning_rate : float
        Blend factor towards the batch solution, clipped to [0, 1].
    kernel : GridKernel
        Neighbourhood of this epoch.
    cross_distance : callable
        ``(b, F) × (n, F) → (b, n)`` distance.
    chunk_size : int, optional
        Samples per search chunk.

    Returns
    -------
    bmu_distance : torch.Tensor
        Shape (n_samples,).
    best_two : torch.Tensor
        Shape (n_samples, 2) (or (n_samples, 1) on a one-neuron map).
    """
    n_neurons, features = weights.shape
    dist, idx = topk_bmus(data, weights, cross_distance, k=min(2, n_neurons),
                          chunk_size=chunk_size)
    stats = weights.new_zeros(n_neurons, features + 1)
    stats[:, :features].index_add_(0, idx[:, 0], data)
    stats[:, features] = torch.bincount(idx[:, 0], minlength=n_neurons).to(weights.dtype)
    smoothed = kernel.smooth(stats)
    denominator = smoothed[:, features:]
    ok = denominator > 1e-12 * denominator.abs().max().clamp_min(1e-30)
    target = smoothed[:, :features] / torch.where(ok, denominator, torch.ones_like(denominator))
    blend = min(max(float(learning_rate), 0.0), 1.0)
    weights.copy_(torch.where(ok, weights + blend * (target - weights), weights))
    return dist[:, 0], idx
