"""The mini-batch update, written once for numpy and torch arrays alike.

For a batch with neighbourhood rows ``H`` (b, n) already scaled by ``lr / b`` and the
batch stored as ``[f·x | f]`` (b, F + 1) with the tables scaled by ``1/f`` as well, one
product ``[f·x | f]ᵀ H`` gives ``Σ_k H[k] x_k`` (F, n) and ``Σ_k H[k]`` (n,); then

``Wᵀ ← Wᵀ ⊙ (1 − Σ_k H[k]) + Σ_k H[k] x_k``,

which is ``W ← W + (lr / b) · Σ_k h(bmu_k, ·) (x_k − W)``.

The product (:func:`minibatch_numerator`) and its application (:func:`apply_minibatch_update`)
are separate steps so that data-parallel training can sum the products of several
workers in between (a global batch is the union of the workers' batches).

When the neighbourhood factorises over the two axes of a rectangular grid,
``H[k, n] = R[r(bmu_k), r(n)] · K[c(bmu_k), c(n)]`` with symmetric axis tables ``R`` (x, x)
and ``K`` (y, y), the same numerator is ``Σ_m H(m, ·) S_m`` over the per-neuron sums
``S_m = Σ_{k: bmu_k = m} [f·x_k | f]``: one scatter-add and one small product along each
axis (:func:`smoothed_numerator`), ``n·(F + 1)·(x + y)`` multiply-adds instead of
``b·n·(F + 1)``, and no neighbourhood rows at all.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["apply_minibatch_update", "minibatch_numerator", "minibatch_update",
           "smoothed_numerator"]

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


def smoothed_numerator(staged, best, row_table, key_table, sums, along_rows, update) -> None:
    """``update = stagedᵀ H`` (F + 1, n) through per-neuron sums smoothed along each axis.

    Two products with the small axis tables, each reading one operand transposed, so the
    result lands in the update's (F + 1, n) layout without a copy. Numpy or torch arrays
    alike (numpy buffers are scattered into through torch views: numpy's ``add.at`` is
    ~40x slower than ``index_add_``).

    Parameters
    ----------
    staged : numpy.ndarray or torch.Tensor
        Shape (b, F + 1).
    best : numpy.ndarray or torch.Tensor
        Shape (b,) int64: each sample's unit, a flat index ``row · y + col``.
    row_table, key_table : numpy.ndarray or torch.Tensor
        Shapes (x, x) and (y, y): the symmetric axis factors of ``H`` (any scale of the
        rows folded into ``row_table``).
    sums : numpy.ndarray or torch.Tensor
        Shape (n, F + 1), scratch for the per-neuron sums: all zero on entry, and left so
        (only the rows of ``best`` are written, then cleared).
    along_rows : numpy.ndarray or torch.Tensor
        Shape (y·(F + 1), x), scratch: the sums smoothed along the rows, laid out
        (column, feature, row).
    update : numpy.ndarray or torch.Tensor
        Shape (F + 1, n), written.
    """
    x, y = row_table.shape[0], key_table.shape[0]
    width = staged.shape[1]
    numpy = isinstance(update, np.ndarray)
    scatter = torch.from_numpy(sums) if numpy else sums
    units = torch.from_numpy(best) if numpy else best
    scatter.index_add_(0, units, torch.from_numpy(staged) if numpy else staged)
    xp = np if numpy else torch
    # (y·(F + 1), x): Σ_i' S[i', j, f] R[i', i]
    xp.matmul(sums.reshape(x, y * width).T, row_table, out=along_rows)
    scatter.index_fill_(0, units, 0.0)
    # ((F + 1)·x, y): Σ_j A[j, f, i] K[j, j'], i.e. (F + 1, n) with n = i·y + j'
    xp.matmul(along_rows.reshape(y, width * x).T, key_table,
              out=update.reshape(width * x, y))


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
