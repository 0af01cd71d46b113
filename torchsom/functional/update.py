"""The mini-batch update, written once for numpy and torch arrays alike.

For a batch with neighbourhood rows ``H`` (b, n) already scaled by ``lr / b`` and the
batch stored as ``[f·x | f]`` (b, F + 1) with the tables scaled by ``1/f`` as well, one
product ``[f·x | f]ᵀ H`` gives ``Σ_k H[k] x_k`` (F, n) and ``Σ_k H[k]`` (n,); then

``Wᵀ ← Wᵀ ⊙ (1 − Σ_k H[k]) + Σ_k H[k] x_k``,

which is ``W ← W + (lr / b) · Σ_k h(bmu_k, ·) (x_k − W)``.

The product (:func:`minibatch_numerator`) and its application (:func:`apply_minibatch_update`)
are separate steps so that data-parallel training can sum the products of several
workers in between (a global batch is the union of the workers' batches).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["apply_minibatch_update", "minibatch_numerator", "minibatch_update"]

# codebooks of this many entries or more are scaled column-wise through torch (below)
_TORCH_SCALING = 1 << 14
# ... and from this many on, scaled and added in one pass (torch's addcmul): 4-7 % of a
# fit faster from (64, 2500) to (1024, 100), no gain measured at (16, 2500) (paired
# in-process fits, medians of 15 pairs, one thread)
_FUSED_UPDATE = 1 << 16


def minibatch_update(codebook_t, staged, rows, update, scratch=None) -> None:
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
    scratch : numpy.ndarray or torch.Tensor, optional
        Shape (n,): receives ``1 − update[-1]`` (see :func:`apply_minibatch_update`).
    """
    minibatch_numerator(staged, rows, update)
    apply_minibatch_update(codebook_t, update, scratch)


def minibatch_numerator(staged, rows, update) -> None:
    """``update = stagedᵀ rows`` (F + 1, n): the step's ``Σ_k H[k] x_k`` over ``Σ_k H[k]``.

    Parameters
    ----------
    staged : numpy.ndarray or torch.Tensor
        Shape (b, F + 1).
    rows : numpy.ndarray or torch.Tensor
        Shape (b, n).
    update : numpy.ndarray or torch.Tensor
        Shape (F + 1, n), written.
    """
    (np if isinstance(update, np.ndarray) else torch).matmul(staged.T, rows, out=update)


def apply_minibatch_update(codebook_t, update, scratch=None) -> None:
    """``Wᵀ ← Wᵀ ⊙ (1 − update[-1]) + update[:-1]`` in place.

    Parameters
    ----------
    codebook_t : numpy.ndarray or torch.Tensor
        Shape (F, n).
    update : numpy.ndarray or torch.Tensor
        Shape (F + 1, n), from :func:`minibatch_numerator` (summed over workers).
    scratch : numpy.ndarray or torch.Tensor, optional
        Shape (n,): receives ``1 − update[-1]``; with it a numpy step allocates nothing
        (a fresh (n,) array costs about as much as the arithmetic on small maps).
    """
    if scratch is None or not isinstance(codebook_t, np.ndarray):
        codebook_t *= 1.0 - update[-1]
        codebook_t += update[:-1]
        return
    np.subtract(1.0, update[-1], out=scratch)
    if codebook_t.size >= _TORCH_SCALING:
        codebook = torch.from_numpy(codebook_t)
        if codebook_t.size >= _FUSED_UPDATE:  # W ⊙ (1 − ΣH) + ΣH x, one pass over W
            torch.addcmul(torch.from_numpy(update[:-1]), codebook, torch.from_numpy(scratch),
                          out=codebook)
            return
        # numpy's broadcast multiply runs 1.4-2x slower than torch's from (64, 252) to
        # (1024, 2500) (numpy 2.4, torch 2.13, one thread); the views share memory
        codebook.mul_(torch.from_numpy(scratch))
    else:
        np.multiply(codebook_t, scratch, out=codebook_t)
    np.add(codebook_t, update[:-1], out=codebook_t)
