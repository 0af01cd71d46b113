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

from torchsom.functional.bmu import smallest, topk_bmus
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
        Shape (n_samples, 2) (or (n_samples, 1) on a one-neuron map): each sample's two
        best units at that time.

    Notes
    -----
    The loop is written for small batches, where the cost is the number of tensor
    operations per batch rather than arithmetic: the codebook is kept transposed, the
    batches are split once, one product ``[X | 1]ᵀ H`` gives both ``Σ H·x`` and ``Σ H``,
    and search results are concatenated once per epoch.
    """
    n, features = shuffled.shape
    two = min(2, weights.shape[0])
    euclid = cross_distance is euclidean_cross
    codebook_t = weights.t().contiguous()  # (F, n_neurons)
    augmented_t = torch.cat([shuffled, shuffled.new_ones(n, 1)], dim=1).t()
    sq_norms = torch.linalg.vecdot(codebook_t, codebook_t, dim=0) if euclid else None
    values: list[torch.Tensor] = []
    indices: list[torch.Tensor] = []
    for batch, batch_aug_t in zip(
        shuffled.split(batch_size), augmented_t.split(batch_size, dim=1)
    ):
        if euclid:
            scores = torch.addmm(sq_norms, batch, codebook_t, alpha=-2.0)
        else:
            scores = cross_distance(batch, codebook_t.t())
        found, idx = smallest(scores, two)
        values.append(found)
        indices.append(idx)
        sums, mass = torch.mm(batch_aug_t, kernel.rows(idx.select(1, 0))).split([features, 1])
        step = learning_rate / batch.shape[0]
        codebook_t.addcmul_(codebook_t, mass, value=-step)
        codebook_t.add_(sums, alpha=step)
        if euclid:
            sq_norms = torch.linalg.vecdot(codebook_t, codebook_t, dim=0)
    weights.copy_(codebook_t.t())
    bmu_distance = torch.cat(values)[:, 0]
    if euclid:
        sample_sq = torch.linalg.vecdot(shuffled, shuffled, dim=1)
        bmu_distance = (bmu_distance + sample_sq).clamp_(min=0.0).sqrt_()
    return bmu_distance, torch.cat(indices)


def batch_epoch(
    weights: torch.Tensor,
    data: torch.Tensor,
    learning_rate: float,
    kernel: GridKernel,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    chunk_size: int | None = None,
    data_sq_norms: torch.Tensor | None = None,
    threads: int | None = None,
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
    data_sq_norms : torch.Tensor, optional
        Shape (n_samples,): ``‖x‖²`` per sample, computed once per fit by the caller.
    threads : int, optional
        BLAS threads of the search (see ``topk_bmus``).

    Returns
    -------
    bmu_distance : torch.Tensor
        Shape (n_samples,).
    best_two : torch.Tensor
        Shape (n_samples, 2) (or (n_samples, 1) on a one-neuron map).
    """
    n_neurons, features = weights.shape
    dist, idx = topk_bmus(data, weights, cross_distance, k=min(2, n_neurons),
                          chunk_size=chunk_size, data_sq_norms=data_sq_norms, exact=False,
                          threads=threads)
    # index_add_ into a contiguous block: into a column slice of ``stats`` it is ~4× slower
    sums = weights.new_zeros(n_neurons, features).index_add_(0, idx[:, 0], data)
    counts = torch.bincount(idx[:, 0], minlength=n_neurons).to(weights.dtype)
    stats = torch.cat((sums, counts.unsqueeze(1)), dim=1)
    smoothed = kernel.smooth(stats)
    denominator = smoothed[:, features:]
    ok = denominator > 1e-12 * denominator.abs().max().clamp_min(1e-30)
    target = smoothed[:, :features] / torch.where(ok, denominator, torch.ones_like(denominator))
    blend = min(max(float(learning_rate), 0.0), 1.0)
    weights.copy_(torch.where(ok, weights + blend * (target - weights), weights))
    return dist[:, 0], idx
