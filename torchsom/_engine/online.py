"""The online rule: one sample per step, learning rate and sigma decayed per step.

For step ``t`` of ``T = epochs × n_samples`` (one step per sample, ``t`` counted over the
whole fit), with sample ``x``, BMU ``c`` and the map's schedules ``lr(t)`` and ``σ(t)``
(its decay functions evaluated with ``max_iter = T``):

``w_n ← w_n + lr(t) · h(c, n; σ(t)) · (x − w_n)``  for every neuron ``n``,

and the next step searches the codebook this one left. This is the sample-by-sample
Kohonen rule.

Speed. The rule is a host loop: every step is a handful of array calls, so what costs is
the number of calls per sample as much as the arithmetic. The loop therefore

* evaluates the schedules and the neighbourhood for a whole block of steps at once
  (vectorised), leaving each step a slice of a precomputed table;
* keeps the centred codebook with its squared norms as one more column,
  ``[W − c | ‖W − c‖²]`` (an (x, y, F + 1) block), so the search is one matrix-vector
  product with ``[−2 (x − c) | 1]``: ``‖w − c‖² − 2 (x − c)·(w − c)`` for every neuron;
* moves only the window of neurons the neighbourhood reaches: weights below half the
  dtype's epsilon are dropped (see :mod:`torchsom.functional.smoothing`), so a narrow
  neighbourhood moves a few neurons, not the whole map (on a torus every step moves the
  whole map); on numpy the window moves with one fused torch ``lerp_`` on the same memory
  and its norms are refreshed with one ``vecdot``;
* reuses its buffers and the views of each window; nothing the size of the codebook is
  allocated inside the loop.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from torchsom._engine import online_jit
from torchsom._engine.ops import ArrayOps
from torchsom._engine.step_tables import (
    StepNeighbourhood,
    StepSchedule,
    decay_values,
    per_step_schedule,
)
from torchsom.functional.smoothing import GridIndex, GridKernel

# StepNeighbourhood and the schedule helpers live in step_tables; re-exported from here
__all__ = ["OnlineRule", "StepNeighbourhood", "per_step_schedule", "decay_values"]

#: entries of one block of per-step neighbourhood tables (a block of steps is split
#: further when its tables would exceed this)
_TABLE_BUDGET = 2_000_000
#: steps per call of :meth:`OnlineRule.step` in a fit (bounds the tables' memory)
DEFAULT_BLOCK = 1024
#: windows whose views the numpy loop keeps (a 25×15 map uses a few hundred)
_VIEW_CACHE = 8192
#: rows per block when the per-sample squares are computed (keeps temporaries in cache)
_SQUARES_CHUNK = 1024


class OnlineRule:
    """The online rule on one array backend (see the module notes).

    Parameters
    ----------
    ops : ArrayOps
        Array backend.
    grid : GridIndex
        Grid bookkeeping.
    neighborhood : callable
        Registry kernel or element-wise ``(dist_sq, sigma)`` callable.
    codebook : torch.Tensor
        Shape (n_neurons, F): the starting codebook (copied).
    center : torch.Tensor or None
        Shape (F,): reference point (None: no translation).
    cross_distance : callable or None
        ``(b, F) × (n, F) → (b, n)`` distance; None for the euclidean score.
    schedule : callable
        ``(steps, total) → (learning rates, sigmas)``, see :func:`per_step_schedule`.
    total_steps : int
        Steps in the whole fit (``epochs × n_samples``).
    block : int
        Steps per :meth:`step` call in a fit.
    """

    def __init__(self, ops: ArrayOps, grid: GridIndex, neighborhood: Callable[..., torch.Tensor],
                 codebook: torch.Tensor, center: torch.Tensor | None,
                 cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None,
                 schedule: StepSchedule, total_steps: int, block: int = DEFAULT_BLOCK) -> None:
        n_neurons, features = codebook.shape
        dtype = codebook.dtype
        self.ops, self.grid, self.features = ops, grid, features
        self.x, self.y = grid.x, grid.y
        self.cross, self.center = cross_distance, center
        self.schedule, self.total_steps = schedule, int(total_steps)
        self.batch_size = max(1, int(block))
        self.steps_done = 0
        self.neighbourhood = StepNeighbourhood(grid, neighborhood, dtype)
        self.table_steps = max(1, min(self.batch_size,
                                      _TABLE_BUDGET // max(1, self.neighbourhood.entries)))
        self.two = n_neurons >= 2
        self._allocate(codebook, n_neurons, features, dtype)

    def _allocate(self, codebook: torch.Tensor, n_neurons: int, features: int,
                  dtype: torch.dtype) -> None:
        """The codebook in centred coordinates with its squared norms as one more column,
        ``[W − c | ‖W − c‖²]`` (n, F + 1), and the scratch."""
        ops = self.ops
        shifted = codebook if self.center is None else codebook - self.center
        self.augmented = ops.empty((n_neurons, features + 1), dtype)
        self.weights = self.augmented[:, :features]  # (n, F) views into the one block
        self.sq_norms = self.augmented[:, features]
        self.weights[...] = ops.array(shifted)
        self.sq_norms[...] = ops.row_sq_norms(self.weights)
        self.scores = ops.empty((n_neurons,), dtype)
        self.scratch = ops.empty((self.x, self.y, features), dtype)
        self.weights_of_step = ops.empty((self.x, self.y, 1), dtype)
        grid = self.augmented.reshape(self.x, self.y, features + 1)
        self.grid_weights, self.grid_norms = grid[..., :features], grid[..., features]
        self.kernels = _kernels(ops)
        # the numpy euclidean loop, written out (no per-step calls through helpers)
        self._fast = ops.xp is np and self.cross is None
        self.compiled = self._fast and online_jit.AVAILABLE
        self._views: dict[tuple[int, int, int, int], tuple] = {}  # window bounds → views

    _masked = False  # the masked variant trains on data with NaN (see _engine.masked)
    compiled = False  # set by _allocate: the numpy loop runs compiled (see online_jit)

    def _queries(self, staged):
        """The search vectors ``[−2 (x − c) | 1]`` (m, F + 1) of a staged block (numpy)."""
        features = self.features
        queries = np.empty((staged.shape[0], features + 1), staged.dtype)
        np.multiply(staged, -2.0, out=queries[:, :features])
        queries[:, features] = 1.0
        return queries

    # ---------------------------------------------------------------- contract
    def stage(self, samples: torch.Tensor, order: torch.Tensor | None = None):
        """``x − c`` (m, F) of ``samples[order]`` in the backend, contiguous."""
        if order is None:
            shifted = samples.clone() if self.center is not None else samples.contiguous()
        else:  # index_select writes one new block, which the shift then reuses
            shifted = samples.index_select(0, order.to(samples.device))
        if self.center is not None:
            shifted.sub_(self.center)
        return self.ops.array(shifted.contiguous())

    def begin(self, learning_rate: float, kernel: GridKernel) -> None:
        """Nothing to do: learning rate and sigma change every step (see :meth:`step`)."""

    def sample_squares(self, samples: torch.Tensor):
        """``‖x − c‖²`` per sample (n,), the term :meth:`distances` adds back."""
        out = torch.empty(samples.shape[0], dtype=samples.dtype, device=samples.device)
        for start in range(0, samples.shape[0], _SQUARES_CHUNK):  # bounded temporaries
            block = samples[start : start + _SQUARES_CHUNK]
            if self.center is not None:
                block = block - self.center
            torch.linalg.vecdot(block, block, out=out[start : start + _SQUARES_CHUNK])
        return self.ops.array(out)

    def step(self, staged, best, best_value, second) -> None:
        """Search and update for each staged sample in turn (see the module notes)."""
        size = staged.shape[0]
        for start in range(0, size, self.table_steps):
            stop = min(start + self.table_steps, size)
            steps = np.arange(self.steps_done, self.steps_done + stop - start)
            learning_rates, sigmas = self.schedule(steps, self.total_steps)
            tables, row_reach, col_reach = self.neighbourhood.tables(
                self.ops, learning_rates, sigmas)
            run = self._run_numpy if self._fast else self._run
            run(staged[start:stop], best[start:stop], best_value[start:stop],
                second[start:stop] if self.two else None, tables, row_reach, col_reach)
            self.steps_done += stop - start

    def distances(self, best_value, sample_sq):
        """BMU distances: ``√(score + ‖x − c‖²)`` for the euclidean score, the values
        themselves otherwise."""
        if self.cross is not None:
            return best_value
        best_value += sample_sq
        if self.ops.xp is torch:
            return best_value.clamp_(min=0.0).sqrt_()
        np.maximum(best_value, 0.0, out=best_value)
        return np.sqrt(best_value, out=best_value)

    def end(self, codebook: torch.Tensor) -> torch.Tensor:
        """Write the codebook, back in the data's coordinates, into ``codebook`` (n, F)."""
        trained = self.ops.tensor(self.weights).to(codebook.device)
        if self.center is not None:
            trained = trained + self.center
        return codebook.copy_(trained)

    # ---------------------------------------------------------------- the host loop
    def _search(self, sample):
        """Scores of ``sample`` against every neuron, into ``self.scores``."""
        scores = self.scores
        if self.cross is None:
            self.kernels.matvec(self.weights, sample, scores)
            scores *= -2.0
            scores += self.sq_norms
        else:
            found = self.cross(self.ops.tensor(sample).unsqueeze(0),
                               self.ops.tensor(self.weights))
            scores[...] = self.ops.array(found[0])
        return scores

    def _move(self, r0: int, r1: int, c0: int, c1: int, sample, weights) -> None:
        """Move the window ``[r0:r1, c0:c1]`` towards ``sample`` by ``weights`` (a, b, 1)
        and refresh the window's norms."""
        window = self.grid_weights[r0:r1, c0:c1]
        self.kernels.blend(window, sample, weights, self.scratch[: r1 - r0, : c1 - c0])
        if self.cross is None:
            self.kernels.sq_norms(window, self.grid_norms[r0:r1, c0:c1])

    def _run(self, staged, best, best_value, second, tables, row_reach, col_reach) -> None:
        """The host loop over one block of steps."""
        x, y = self.x, self.y
        out = self.weights_of_step
        factored = len(tables) == 2
        hexagonal = self.neighbourhood.hex
        search, move, argmin, outer = self._search, self._move, self.kernels.argmin, \
            self.kernels.outer
        inf = float("inf")
        for i in range(staged.shape[0]):
            sample = staged[i]
            scores = search(sample)
            b = argmin(scores)
            best[i] = b
            best_value[i] = scores[b]
            if second is not None:
                scores[b] = inf
                second[i] = argmin(scores)
            r, c = divmod(b, y)
            reach = row_reach[i]
            r0, r1 = (r - reach if r > reach else 0), min(x, r + reach + 1)
            reach = col_reach[i]
            c0, c1 = (c - reach if c > reach else 0), min(y, c + reach + 1)
            first_row, first_col = x - 1 - r, y - 1 - c
            if factored:
                weights = out[: r1 - r0, : c1 - c0]
                outer(tables[0][i, first_row + r0 : first_row + r1],
                      tables[1][i, first_col + c0 : first_col + c1], weights)
            else:
                weights = tables[0][i, r % 2 if hexagonal else 0,
                                    first_row + r0 : first_row + r1,
                                    first_col + c0 : first_col + c1]
            move(r0, r1, c0, c1, sample, weights)


    def _run_numpy(self, staged, best, best_value, second, tables, row_reach,
                   col_reach) -> None:
        """:meth:`_run` for the numpy backend and the euclidean score, written out.

        The window moves with torch's fused ``lerp_`` on the same memory (one pass, where
        numpy needs three); the views of each window are made once and kept in a small
        cache keyed by the window's bounds, so a step makes one torch call. The masked
        variant scales the weights by the sample's observed features first and refreshes
        the window's squares instead of its norms.
        """
        if self.compiled and not self._masked:
            self._run_compiled(staged, best, best_value, second, tables, row_reach, col_reach)
            return
        x, y, features, masked = self.x, self.y, self.features, self._masked
        augmented, scores = self.augmented, self.scores
        views = self._views
        queries = self._queries(staged)
        targets = torch.from_numpy(staged[:, :features]).unbind(0)  # one view per row
        observed = staged[:, features:] if masked else None
        factored = len(tables) == 2
        if factored:
            row_table, col_table = tables
        else:
            table = tables[0]
            table_t = torch.from_numpy(table)
        hexagonal = self.neighbourhood.hex
        matmul, multiply = np.matmul, np.multiply
        sq_norms = _numpy_sq_norms
        inf = float("inf")
        for i in range(staged.shape[0]):
            matmul(augmented, queries[i], out=scores)  # ‖w − c‖² − 2 (x − c)·(w − c)
            b = int(scores.argmin())
            best[i] = b
            best_value[i] = scores[b]
            if second is not None:
                scores[b] = inf
                second[i] = scores.argmin()
            r, c = divmod(b, y)
            reach = row_reach[i]
            r0, r1 = (r - reach if r > reach else 0), (r + reach + 1 if r + reach < x else x)
            reach = col_reach[i]
            c0, c1 = (c - reach if c > reach else 0), (c + reach + 1 if c + reach < y else y)
            key = (r0, r1, c0, c1)
            view = views.get(key)
            if view is None:
                if len(views) >= _VIEW_CACHE:  # large maps: keep the cache bounded
                    views.clear()
                view = views[key] = self._window_views(r0, r1, c0, c1)
            window, window_t, window_norms, weights, weights_t, scratch, scratch_t = view
            a0, k0 = x - 1 - r + r0, y - 1 - c + c0
            if factored:
                multiply(row_table[i, a0 : a0 + r1 - r0], col_table[i, k0 : k0 + c1 - c0],
                         out=weights)
            elif masked:
                weights = table[i, r % 2 if hexagonal else 0, a0 : a0 + r1 - r0,
                                k0 : k0 + c1 - c0]
            else:
                weights_t = table_t[i, r % 2 if hexagonal else 0, a0 : a0 + r1 - r0,
                                    k0 : k0 + c1 - c0]
            if masked:  # observed features only; then the squares the search uses
                multiply(weights, observed[i], out=scratch)
                window_t.lerp_(targets[i], scratch_t)
                multiply(window, window, out=window_norms)
            else:
                window_t.lerp_(targets[i], weights_t)
                sq_norms(window, window_norms)

    def _run_compiled(self, staged, best, best_value, second, tables, row_reach,
                      col_reach) -> None:
        """:meth:`_run_numpy` as one compiled call (see :mod:`torchsom._engine.online_jit`)."""
        augmented = self.augmented
        dtype = augmented.dtype
        factored = len(tables) == 2
        if factored:
            rows = tables[0].reshape(tables[0].shape[0], -1)
            cols = tables[1].reshape(tables[1].shape[0], -1)
            table = np.zeros((1, 1, 1, 1), dtype)
        else:
            rows = cols = np.zeros((1, 1), dtype)
            table = tables[0][..., 0]
        online_jit.online_block(
            augmented, staged, best, best_value, best if second is None else second,
            rows, cols, table, factored, self.neighbourhood.hex,
            np.asarray(row_reach, dtype=np.int64), np.asarray(col_reach, dtype=np.int64),
            self.x, self.y, second is not None, dtype.type(0))

    def _window_views(self, r0: int, r1: int, c0: int, c1: int) -> tuple:
        """numpy and torch views of one window of the codebook, of its norms (squares in
        the masked variant), of the step's weights buffer and of the scratch."""
        window = self.grid_weights[r0:r1, c0:c1]
        weights = self.weights_of_step[: r1 - r0, : c1 - c0]
        scratch = self.scratch[: r1 - r0, : c1 - c0]
        return (window, torch.from_numpy(window), self.grid_norms[r0:r1, c0:c1], weights,
                torch.from_numpy(weights), scratch, torch.from_numpy(scratch))


class _Kernels:
    """The few calls of a step, bound once per backend (no allocation on numpy)."""

    def __init__(self, matvec, argmin, outer, blend, sq_norms) -> None:
        self.matvec, self.argmin, self.outer = matvec, argmin, outer
        self.blend, self.sq_norms = blend, sq_norms


def _numpy_blend(window, sample, weights, scratch) -> None:
    np.subtract(sample, window, out=scratch)
    np.multiply(scratch, weights, out=scratch)
    np.add(window, scratch, out=window)


if hasattr(np, "vecdot"):  # numpy >= 2: a ufunc, no Python wrapper per call
    def _numpy_sq_norms(window, out) -> None:
        np.vecdot(window, window, out=out)
else:  # pragma: no cover - numpy 1.x
    def _numpy_sq_norms(window, out) -> None:
        np.einsum("...f,...f->...", window, window, out=out)


def _torch_sq_norms(window, out) -> None:
    out.copy_(torch.linalg.vecdot(window, window))


def _kernels(ops: ArrayOps) -> _Kernels:
    if ops.xp is np:
        return _Kernels(
            matvec=lambda matrix, vector, out: np.matmul(matrix, vector, out=out),
            argmin=lambda scores: int(scores.argmin()),
            outer=lambda rows, cols, out: np.multiply(rows, cols, out=out),
            blend=_numpy_blend, sq_norms=_numpy_sq_norms,
        )
    return _Kernels(
        matvec=lambda matrix, vector, out: torch.mv(matrix, vector, out=out),
        argmin=lambda scores: int(scores.argmin()),
        outer=lambda rows, cols, out: torch.mul(rows, cols, out=out),
        blend=lambda window, sample, weights, scratch: window.addcmul_(weights, sample - window),
        sq_norms=_torch_sq_norms,
    )
