"""Best-matching-unit kernels: the ranking score, the top-2 selection, a chunked search.

The euclidean ranking score of sample ``x`` against neuron ``w`` is
``‖w‖² − 2 x·w``: ``‖x − w‖²`` less the term ``‖x‖²`` that is the same for every neuron.
It is one matrix product per block of samples, written once in :func:`euclidean_scores`
and used by the search below and by both training rules.

In floating point the score carries a rounding error of about
``ε · (‖x‖² + ‖w‖²)`` (ε = 2⁻²⁴ in float32). Data far from the origin makes that error
larger than the gaps between neurons, and the ranking becomes noise. Distances do not
change under translation, so every euclidean search here ranks ``x − c`` against
``w − c`` for a reference point ``c`` near the data (the codebook mean for a search, the
data mean for a fit): the error then scales with the spread of the data, not with its
offset. With float32 data whose offset is far larger than its spread, ``x − c`` is even
exact (Sterbenz). The reported BMU distance is recomputed from the difference vector
``x − w`` (no cancellation).

Everything here is stateless: no caches, no thread control (the private engine package
owns those).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from torchsom.functional.distances import euclidean_cross

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "chunk_size_for",
    "euclidean_scores",
    "reference_point",
    "smallest",
    "two_smallest",
    "topk_bmus",
]

#: bytes of scratch memory one search chunk may use
DEFAULT_MEMORY_BUDGET = 64 * 1024 * 1024

_NUMPY_FLOATS = (torch.float32, torch.float64)

# float32 scores of one search chunk, in bytes: the chunk's scores are reduced (two
# argmin passes) right after the product writes them, so they should stay in cache
_SCORE_CACHE_BYTES = 2 * 1024 * 1024


def chunk_size_for(n_neurons: int, budget_bytes: int = DEFAULT_MEMORY_BUDGET) -> int:
    """Samples per search chunk.

    About ``_SCORE_CACHE_BYTES`` of float32 scores per chunk (so a chunk's scores stay in
    cache while they are reduced), at least 128 and at most 4096 rows, and never more than
    ``budget_bytes`` of scratch memory.
    """
    neurons = max(1, n_neurons)
    cache_rows = min(4096, max(128, _SCORE_CACHE_BYTES // (4 * neurons)))
    return max(1, min(cache_rows, budget_bytes // (4 * neurons * 2)))


def euclidean_scores(left, right, sq_norms, out):
    """Ranking scores ``out = left @ right + sq_norms``, in place; numpy or torch alike.

    One of the two factors carries the ``−2``: either ``left`` is the block of samples
    (b, F) and ``right`` is ``−2 Wᵀ`` (F, n), or ``left`` is ``−2 X`` and ``right`` is
    ``Wᵀ``. ``sq_norms`` (n,) holds ``‖w‖²``; it may instead ride inside the product as
    one more column of ``left`` (−2) and row of ``right`` (−½‖w‖²), with ``sq_norms=None``.
    With centred operands (see the module notes) the result is
    ``‖w − c‖² − 2 (x − c)·(w − c)``.

    Parameters
    ----------
    left : numpy.ndarray or torch.Tensor
        Shape (b, F).
    right : numpy.ndarray or torch.Tensor
        Shape (F, n), same library and dtype as ``left``.
    sq_norms : numpy.ndarray or torch.Tensor or None
        Shape (n,), or None when the product already includes it.
    out : numpy.ndarray or torch.Tensor
        Shape (b, n), written and returned.
    """
    (np if isinstance(out, np.ndarray) else torch).matmul(left, right, out=out)
    if sq_norms is not None:
        out += sq_norms
    return out


def reference_point(points: torch.Tensor) -> torch.Tensor:
    """Mean of ``points`` (m, F), accumulated in float64 and returned in their dtype (F,).

    The translation that keeps euclidean scores exact (see the module notes).
    """
    if points.device.type == "cpu" and points.dtype in _NUMPY_FLOATS:
        # numpy's float64 accumulation along axis 0 runs at the float32 rate; torch's
        # ``mean(dtype=float64)`` along dim 0 was ~10× slower
        total = np.mean(points.detach().numpy(), axis=0, dtype=np.float64)
        return torch.from_numpy(total).to(points.dtype)
    return points.detach().double().mean(dim=0).to(points.dtype)


def two_smallest(
    scores: np.ndarray, first: np.ndarray, first_value: np.ndarray,
    second: np.ndarray | None, offsets: np.ndarray,
) -> None:
    """Each row's best (and second-best) column of ``scores``, written into the outputs.

    numpy's vectorised ``argmin``, twice with the first winner masked, is several times
    faster on the CPU than a top-k. Ties go to the lowest index.

    Parameters
    ----------
    scores : numpy.ndarray
        Shape (b, n), C-contiguous; overwritten when ``second`` is given (the best entry of
        each row becomes +inf).
    first, first_value : numpy.ndarray
        Shape (b,): receive the best column and its score.
    second : numpy.ndarray or None
        Shape (b,): receives the second-best column; None for the best only.
    offsets : numpy.ndarray
        Shape (b,) int64: ``arange(b) * n``, the flat index of each row's start.
    """
    scores.argmin(axis=1, out=first)
    flat = first + offsets
    scores.take(flat, out=first_value, mode="clip")  # "raise" would buffer the out=
    if second is not None:
        scores.put(flat, np.inf)
        scores.argmin(axis=1, out=second)


def smallest(scores: torch.Tensor, k: int,
             prefer_numpy: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` smallest entries of each row, ascending, ties to the lowest index.

    ``scores`` (b, n) may be overwritten. For ``k <= 2`` this is ``argmin`` twice with the
    first winner masked: through numpy on the CPU (``prefer_numpy``; several times faster
    there than a top-k), through torch elsewhere. Larger ``k`` use ``torch.topk``.

    Returns
    -------
    values, indices : torch.Tensor
        Shape (b, k) each; indices are int64.
    """
    if (k <= 2 and prefer_numpy and scores.device.type == "cpu"
            and scores.dtype in _NUMPY_FLOATS and scores.is_contiguous()
            and not scores.requires_grad):
        array = scores.numpy()
        b, n = array.shape
        offsets = np.arange(b) * n
        best = np.empty((k, b), np.int64)
        values = np.empty((k, b), array.dtype)
        two_smallest(array, best[0], values[0], best[1] if k == 2 else None, offsets)
        if k == 2:
            values[1] = array.take(best[1] + offsets)
        return (torch.from_numpy(np.ascontiguousarray(values.T)),
                torch.from_numpy(np.ascontiguousarray(best.T)))
    if k <= 2:
        first = scores.argmin(dim=1, keepdim=True)
        first_value = scores.gather(1, first)
        if k == 1:
            return first_value, first
        masked = scores.scatter(1, first, float("inf"))
        second = masked.argmin(dim=1, keepdim=True)
        return (torch.cat((first_value, scores.gather(1, second)), dim=1),
                torch.cat((first, second), dim=1))
    found = scores.topk(k, dim=1, largest=False)
    return found.values, found.indices


def topk_bmus(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    k: int = 1,
    chunk_size: int | None = None,
    exact: bool = True,
    prefer_numpy: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Find the ``k`` nearest neurons of every sample, in chunks.

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
        Samples per chunk; see :func:`chunk_size_for`.
    exact : bool, default=True
        Recompute the best unit's euclidean distance from the difference vector; without
        it the distances come from the centred expansion (see the module notes).
    prefer_numpy : bool, default=True
        Run CPU float searches through numpy (see :func:`smallest`); False forces the
        torch path that other devices use.

    Returns
    -------
    distances : torch.Tensor
        Shape (n_samples, k), ascending.
    indices : torch.Tensor
        Shape (n_samples, k), int64 flat neuron indices; ties go to the lowest index
        for ``k <= 2``.
    """
    n = data.shape[0]
    step = chunk_size or chunk_size_for(codebook.shape[0])
    euclid = cross_distance is euclidean_cross
    if euclid and k <= 2 and prefer_numpy and _numpy_ready(data, codebook):
        return _numpy_topk(data, codebook, k, step, exact)
    if euclid:
        center = reference_point(codebook)
        shifted = codebook - center
        minus_two_t = (shifted * -2.0).T
        sq_norms = torch.linalg.vecdot(shifted, shifted)
        scratch = data.new_empty(min(step, n), codebook.shape[0])
    dist_out = torch.empty(n, k, dtype=data.dtype, device=data.device)
    idx_out = torch.empty(n, k, dtype=torch.long, device=data.device)
    for start in range(0, n, step):
        block = data[start : start + step]
        if euclid:
            block_c = block - center
            scores = euclidean_scores(block_c, minus_two_t, sq_norms,
                                      scratch[: block.shape[0]])
            dist, idx = smallest(scores, k, prefer_numpy)
            dist.add_(torch.linalg.vecdot(block_c, block_c).unsqueeze(1))
            dist.clamp_(min=0.0).sqrt_()
            if exact:
                dist[:, 0] = (block - codebook[idx[:, 0]]).norm(dim=1)
        else:
            dist, idx = smallest(cross_distance(block, codebook), k, prefer_numpy)
        dist_out[start : start + step] = dist
        idx_out[start : start + step] = idx
    return dist_out, idx_out


def _numpy_ready(data: torch.Tensor, codebook: torch.Tensor) -> bool:
    """CPU float tensors of one dtype that need no gradient: numpy can search them."""
    return (data.device.type == "cpu" and codebook.device.type == "cpu"
            and data.dtype in _NUMPY_FLOATS and codebook.dtype == data.dtype
            and not data.requires_grad and not codebook.requires_grad
            and codebook.shape[0] >= 2)


def _numpy_topk(
    data: torch.Tensor, codebook: torch.Tensor, k: int, step: int, exact: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`topk_bmus` for the euclidean metric and ``k <= 2`` through numpy.

    Same centred score, same ties (lowest index); numpy's BLAS runs these tall-skinny
    products near the machine's matmul rate.
    """
    x = data.detach().numpy()
    weights = codebook.detach().numpy()
    n, n_neurons = x.shape[0], weights.shape[0]
    center = reference_point(codebook.detach()).numpy()
    shifted = weights - center
    minus_two_t = np.ascontiguousarray(shifted.T) * -2.0  # (F, n_neurons)
    sq_norms = np.einsum("nf,nf->n", shifted, shifted)
    found = np.empty((k, n), x.dtype)  # row-major per rank: contiguous outputs
    best = np.empty((k, n), np.int64)
    scratch = np.empty((min(step, n), n_neurons), x.dtype)
    offsets = np.arange(scratch.shape[0]) * n_neurons
    with np.errstate(all="ignore"):
        for start in range(0, n, step):
            stop = min(start + step, n)
            block_c = x[start:stop] - center
            scores = euclidean_scores(block_c, minus_two_t, sq_norms, scratch[: stop - start])
            rows = offsets[: stop - start]
            two_smallest(scores, best[0, start:stop], found[0, start:stop],
                         best[1, start:stop] if k == 2 else None, rows)
            if k == 2:
                found[1, start:stop] = scores.take(best[1, start:stop] + rows)
            found[:, start:stop] += np.einsum("nf,nf->n", block_c, block_c)
            if exact:  # the best unit's distance from the difference vector
                diff = x[start:stop] - weights.take(best[0, start:stop], axis=0)
                found[0, start:stop] = np.einsum("nf,nf->n", diff, diff)
        np.maximum(found, 0.0, out=found)
        np.sqrt(found, out=found)
    return (torch.from_numpy(np.ascontiguousarray(found.T)),
            torch.from_numpy(np.ascontiguousarray(best.T)))
