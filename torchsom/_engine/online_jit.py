"""The online rule's host loop compiled to machine code, when numba is installed.

The online rule makes one search and one update per sample. Written with numpy calls, a
step costs a handful of interpreter round trips and three passes over the moved window
(move, then squared norms); compiled, a step is two loops:

1. **search**: ``score_n = ‖w_n − c‖² − 2 (x − c)·(w_n − c)`` for every neuron, keeping the
   smallest and second smallest on the fly (first index on ties, as ``argmin`` does);
2. **update**: for each neuron of the window with a non-zero weight ``h``,
   ``w ← w + h (x − w)`` feature by feature, accumulating the new ``‖w − c‖²`` in the
   same pass (the norms column of the augmented codebook, which the next search reads).

The arithmetic is the numpy loop's, in the codebook's dtype; the only licence taken is
reassociation and fused multiply-add inside the dot products and norms (so they
vectorise), which moves results by rounding only. Compiled functions are cached on disk
by numba (``cache=True``), so the compile cost (about a second) is paid once per machine
and version.

numba is optional (``pip install "torchsom[fast]"``); without it the rule keeps its numpy
loop, with the same results to rounding. It is imported on the first online fit, not with
the package (the import and the cache load cost about a second, once per process).
"""

from __future__ import annotations

import numpy as np

from torchsom._optional import is_available

__all__ = ["AVAILABLE", "online_block"]

#: whether the compiled loop can be used (numba importable)
AVAILABLE = is_available("numba")

_FASTMATH = {"reassoc", "contract"}  # vectorised sums; no assumption about inf or NaN


def _scores(augmented, sample, scores, zero):
    """``‖w − c‖² − 2 (x − c)·(w − c)`` for every neuron into ``scores`` (n,).

    Four neurons share each load of the sample, and their four sums are independent
    chains, so the loop is bound by reading the codebook, not by the adder's latency.
    """
    n = augmented.shape[0]
    features = augmented.shape[1] - 1
    k = 0
    while k + 4 <= n:
        w0, w1, w2, w3 = augmented[k], augmented[k + 1], augmented[k + 2], augmented[k + 3]
        d0 = d1 = d2 = d3 = zero
        for f in range(features):
            value = sample[f]
            d0 += w0[f] * value
            d1 += w1[f] * value
            d2 += w2[f] * value
            d3 += w3[f] * value
        scores[k] = w0[features] - 2.0 * d0
        scores[k + 1] = w1[features] - 2.0 * d1
        scores[k + 2] = w2[features] - 2.0 * d2
        scores[k + 3] = w3[features] - 2.0 * d3
        k += 4
    for rest in range(k, n):
        neuron = augmented[rest]
        dot = zero
        for f in range(features):
            dot += neuron[f] * sample[f]
        scores[rest] = neuron[features] - 2.0 * dot


def _online_block(augmented, staged, best, best_value, second, rows, cols, table,
                  factored, hexagonal, row_reach, col_reach, x, y, want_second, zero):
    """Search and update for each row of ``staged`` in turn.

    Parameters
    ----------
    augmented : ndarray, shape (x·y, F + 1)
        ``[W − c | ‖W − c‖²]``, updated in place.
    staged : ndarray, shape (m, F)
        The samples ``x − c`` in step order.
    best, second : ndarray of int64, shape (m,)
        Out: the BMU and the second-best neuron of each step.
    best_value : ndarray, shape (m,)
        Out: the BMU's score (``‖x − c‖²`` is added later for the distance).
    rows, cols : ndarray, shapes (m, 2x − 1) and (m, 2y − 1)
        Factored tables (learning rate included), indexed by offset ``+ x − 1``.
    table : ndarray, shape (m, P, 2x − 1, 2y − 1)
        The full table (P = 2 on a hexagonal grid: BMU row even, odd), when not factored.
    factored, hexagonal, want_second : bool
    row_reach, col_reach : ndarray of int64, shape (m,)
        Largest row / column offset with a non-zero weight, per step.
    x, y : int
        Grid shape.
    zero : scalar of the codebook's dtype
        Starts the sums, so they run in that dtype (float32 sums vectorise twice as wide).
    """
    n = augmented.shape[0]
    features = augmented.shape[1] - 1
    scores = np.empty(n, dtype=np.float64)
    for i in range(staged.shape[0]):
        sample = staged[i]
        _scores(augmented, sample, scores, zero)
        best_index, best_score = 0, np.inf
        second_index, second_score = 0, np.inf
        for k in range(n):  # first index on ties, as argmin
            score = scores[k]
            if score < best_score:
                second_index, second_score = best_index, best_score
                best_index, best_score = k, score
            elif score < second_score:
                second_index, second_score = k, score
        best[i] = best_index
        best_value[i] = best_score
        if want_second:
            second[i] = second_index
        r, c = best_index // y, best_index % y
        r0, r1 = max(0, r - row_reach[i]), min(x, r + row_reach[i] + 1)
        c0, c1 = max(0, c - col_reach[i]), min(y, c + col_reach[i] + 1)
        parity = r % 2 if hexagonal else 0
        for a in range(r0, r1):
            for b in range(c0, c1):
                if factored:
                    h = rows[i, x - 1 - r + a] * cols[i, y - 1 - c + b]
                else:
                    h = table[i, parity, x - 1 - r + a, y - 1 - c + b]
                if h == 0.0:
                    continue
                neuron = augmented[a * y + b]
                norm = zero
                for f in range(features):
                    moved = neuron[f] + h * (sample[f] - neuron[f])
                    neuron[f] = moved
                    norm += moved * moved
                neuron[features] = norm


_COMPILED: dict[str, object] = {}


def online_block(*args) -> None:
    """:func:`_online_block`, compiled on first use (numba is imported then, not with the
    package: importing it costs about a second)."""
    kernel = _COMPILED.get("online_block")
    if kernel is None:
        kernel = _COMPILED["online_block"] = _compile()
    kernel(*args)


def _compile():
    global _scores
    import numba

    jit = numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
    if not hasattr(_scores, "py_func"):  # not compiled yet
        _scores = jit(_scores)
    return jit(_online_block)
