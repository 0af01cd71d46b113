"""The mini-batch update, written once for numpy and torch arrays alike.

For a batch with neighbourhood rows ``H`` (b, n) already scaled by ``lr / b`` and the
batch stored as ``[f·x | f]`` (b, F + 1) with the tables scaled by ``1/f`` as well, one
product ``[f·x | f]ᵀ H`` gives ``Σ_k H[k] x_k`` (F, n) and ``Σ_k H[k]`` (n,); then

``Wᵀ ← Wᵀ ⊙ (1 − Σ_k H[k]) + Σ_k H[k] x_k``,

which is ``W ← W + (lr / b) · Σ_k h(bmu_k, ·) (x_k − W)``.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["minibatch_update"]


def minibatch_update(codebook_t, staged, rows, update) -> None:
    """Apply one mini-batch step to ``codebook_t`` in place.

    Parameters
    ----------
    codebook_t : numpy.ndarray or torch.Tensor
        Shape (F, n): the transposed codebook, updated in place.
    staged : numpy.ndarray or torch.Tensor
        Shape (b, F + 1): ``[f·x | f]`` for the batch.
    rows : numpy.ndarray or torch.Tensor
        Shape (b, n): neighbourhood rows scaled by ``lr / (b·f)``.
    update : numpy.ndarray or torch.Tensor
        Shape (F + 1, n): scratch, receives ``stagedᵀ rows``.
    """
    (np if isinstance(codebook_t, np.ndarray) else torch).matmul(staged.T, rows, out=update)
    codebook_t *= 1.0 - update[-1]
    codebook_t += update[:-1]
