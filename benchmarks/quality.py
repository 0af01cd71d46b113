"""One implementation of the quantization and topographic errors, used for every backend.

Both are computed from the final weights a backend returns, never from what the backend
reports itself, so that the numbers compare.

* QE: mean euclidean distance from each sample to its best-matching unit.
* TE: share (in [0, 1]) of samples whose best and second-best units are not neighbours on
  the rectangular grid, neighbours meaning the 8 surrounding cells (``|Δrow| <= 1`` and
  ``|Δcol| <= 1``), as in MiniSom, XPySom and torchsom.

Weights have shape (x, y, F); neuron ``(r, c)`` has flat index ``r * y + c``. The search is
chunked (a float32 matrix product ranks a few candidates per sample, whose distances are
then recomputed exactly in float64), so 10⁶ samples need only a few hundred MiB.
"""

from __future__ import annotations

import numpy as np

__all__ = ["best_two", "quality", "quantization_error", "topographic_error"]

_CANDIDATES = 4
_CHUNK_BYTES = 64 * 1024 * 1024


def best_two(data: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact distances and flat indices of each sample's two nearest units.

    Parameters
    ----------
    data : ndarray, shape (n, F)
    weights : ndarray, shape (x, y, F) or (neurons, F)

    Returns
    -------
    dist : ndarray, shape (n, 2), float64, ascending
    idx : ndarray, shape (n, 2), int64 (ties resolve to the lower index)
    """
    data = np.asarray(data)
    codebook = np.asarray(weights, dtype=np.float64).reshape(-1, data.shape[1])
    neurons = codebook.shape[0]
    if neurons < 2:
        raise ValueError("the topographic error needs at least 2 units")
    cand = min(_CANDIDATES, neurons)
    book32 = codebook.astype(np.float32)
    sq32 = (book32 * book32).sum(1)
    step = max(1, _CHUNK_BYTES // (4 * neurons))
    n = data.shape[0]
    dist = np.empty((n, 2), dtype=np.float64)
    idx = np.empty((n, 2), dtype=np.int64)
    for start in range(0, n, step):
        block = data[start : start + step]
        scores = sq32[None, :] - 2.0 * (block.astype(np.float32) @ book32.T)
        if cand < neurons:
            top = np.argpartition(scores, cand - 1, axis=1)[:, :cand]
        else:
            top = np.broadcast_to(np.arange(neurons), scores.shape).copy()
        diff = block.astype(np.float64)[:, None, :] - codebook[top]
        exact = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        # sort by (distance, index) so that ties resolve to the lower index
        order = np.lexsort((top, exact), axis=1)[:, :2]
        dist[start : start + step] = np.take_along_axis(exact, order, 1)
        idx[start : start + step] = np.take_along_axis(top, order, 1)
    return dist, idx


def _non_adjacent(idx: np.ndarray, y: int) -> np.ndarray:
    rows, cols = np.divmod(idx, y)
    return (np.abs(rows[:, 0] - rows[:, 1]) > 1) | (np.abs(cols[:, 0] - cols[:, 1]) > 1)


def quality(data: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """``(QE, TE)`` of a rectangular map with weights (x, y, F) on ``data`` (n, F)."""
    weights = np.asarray(weights)
    if weights.ndim != 3:
        raise ValueError(f"weights must have shape (x, y, F), got {weights.shape}")
    dist, idx = best_two(data, weights)
    return float(dist[:, 0].mean()), float(_non_adjacent(idx, weights.shape[1]).mean())


def quantization_error(data: np.ndarray, weights: np.ndarray) -> float:
    """Mean distance from each sample to its best-matching unit."""
    return quality(data, weights)[0]


def topographic_error(data: np.ndarray, weights: np.ndarray) -> float:
    """Share of samples whose two best units are not 8-neighbours on the grid."""
    return quality(data, weights)[1]
