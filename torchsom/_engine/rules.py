"""The training rules, each one object with the same small contract.

Contract (what the fit driver, and any other source of batches, relies on):

``begin(learning_rate, kernel)``
    Start an epoch with this learning rate and neighbourhood (:class:`GridKernel`).
``stage(samples, order=None)``
    Turn a block of raw samples (m, F) (optionally reordered by ``order``) into the
    form :meth:`step` consumes, in the rule's array backend. A fit stages a whole epoch
    once and steps through slices of it; a stream stages each batch it receives.
``step(staged, best, best_value, second)``
    Consume one batch: find each sample's two best units (ties to the lowest index) and
    write them into ``best`` and ``second`` (b,), and the best unit's ranking value into
    ``best_value`` (b,). The mini-batch rule then updates the codebook; the batch rule
    accumulates per-neuron sums and counts.
``sample_squares(samples)``
    Rules that rank by a score (all but the batch rule searching with a distance other
    than the euclidean one, ``scored`` False): the per-sample terms, (n,) or
    (n, k), that :meth:`distances` turns ranking values into distances with, in the
    backend (the driver reorders their rows with the epoch's order).
``distances(best_value, sample_sq)``
    The BMU distances of an epoch's samples from their ranking values.
``end(codebook)``
    Finish the epoch (the batch rule moves the codebook here) and write the codebook, in
    the data's coordinates, into ``codebook`` (n, F).
``write_codebook(codebook)``
    Write the current codebook into ``codebook`` without ending the epoch (checkpoints,
    ``partial_fit``).
``state()`` / ``load_state(state)``
    The tensors that carry the rule mid-fit (the mini-batch rule's centred codebook, the
    batch rule's partial sums and counts), for checkpoints and rollbacks.
``share(reduce)``
    Train data-parallel: ``reduce(values, what)`` sums an array over the workers in
    place. The batch rule sums its statistics before ``end`` smooths them; the mini-batch
    rule sums each step's product ``stagedᵀ H`` and sample count before applying them
    (:meth:`MinibatchRule.drain` joins the other workers' steps once its data is used up).

Both rules train in coordinates centred on a reference point ``c`` (the data mean, for
the euclidean distance): distances do not change under translation, and the ranking
score ``‖w‖² − 2 x·w`` keeps its digits (see :mod:`torchsom.functional.bmu`).

Mini-batch rule
    For each batch ``X`` (b, F) with BMUs ``c_k`` and neighbourhood rows ``H`` (b, n):
    ``W ← W + (lr / b) · Σ_k H[k] ⊙ (X_k − W)``; the search for a batch sees the weights
    left by the previous batch.
Batch rule
    One search over all data with the epoch's fixed weights, per-neuron sums ``S`` and
    counts ``c``, smoothed over the grid: ``W*_n = Σ_m h(m, n) S_m / Σ_m h(m, n) c_m``, then
    ``W ← W + lr · (W* − W)`` for every neuron with a positive denominator (``lr`` clipped
    to [0, 1]; ``lr = 1`` is Kohonen's batch map).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from torchsom._engine.ops import ArrayOps, TorchOps
from torchsom.functional.bmu import chunk_size_for, euclidean_scores, topk_bmus
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.smoothing import GridIndex, GridKernel
from torchsom.functional.update import (
    apply_minibatch_update,
    minibatch_numerator,
    minibatch_update,
    smoothed_numerator,
)

__all__ = ["MinibatchRule", "BatchRule"]

# per-neuron axis tables ((x + K) × n_neurons entries) are kept below this size; larger
# grids gather two small rows per batch instead (memory, not speed, sets this bound)
_TABLE_LIMIT = 4_000_000

# The mini-batch update on a rectangular grid can come from per-neuron sums smoothed
# along each axis (see :func:`~torchsom.functional.update.smoothed_numerator`) instead of
# the (F + 1, b)·(b, n) product over neighbourhood rows. A cost model in multiply-add
# equivalents chooses, fitted to paired in-process fits (b = 256, one thread):
# the product path costs b·n·(F + 1) plus ~_ROW_COST per neighbourhood entry (gathered
# and multiplied); the smoothed path costs n·(F + 1)·(x + y) in two skinny products that
# run at about 1/_SKINNY of the product's rate, plus ~_SMOOTHED_FIXED for its extra calls.
# Measured (smoothed over product fit time): 2.2x faster at (F=4, 50×50), 2.4x (16, 50×50),
# 1.48x (64, 50×50), 1.15x (4, 25×15), 1.14x (64, 25×15), 1.13x (256, 18×14), 1.09-1.28x
# (1024, 25×15), 1.08x (1024, 10×10); slower, so left on the product: 0.92x (4, 10×10),
# 0.95x (16, 10×10), b = 64 at (256, 25×15) 0.87x, (1024, 50×50) 0.74x
_ROW_COST = 23
_SKINNY = 3
_SMOOTHED_FIXED = 1 << 20


def smoothing_pays(batch: int, grid: GridIndex, features: int) -> bool:
    """Whether the smoothed update costs less than the product on ``grid`` (cost model
    above; whether it applies at all is the rule's decision)."""
    n_neurons, width = grid.x * grid.y, features + 1
    product = batch * n_neurons * (width + _ROW_COST)
    smoothed = _SKINNY * n_neurons * width * (grid.x + grid.y) + _SMOOTHED_FIXED
    return smoothed < product


def stage_rows(ops: ArrayOps, samples: torch.Tensor, order: torch.Tensor | None,
               center: torch.Tensor | None, factor: float):
    """``[f·(x − c) | f]`` (m, F + 1) of ``samples[order]`` in the backend ``ops``.

    Parameters
    ----------
    ops : ArrayOps
    samples : torch.Tensor
        Shape (n, F).
    order : torch.Tensor or None
        Shape (m,): rows of ``samples`` (None: all, as they are).
    center : torch.Tensor or None
        Shape (F,): the reference point ``c`` (None: the origin).
    factor : float
        ``f``.
    """
    features = samples.shape[1]
    count = samples.shape[0] if order is None else order.shape[0]
    staged = ops.empty((count, features + 1), samples.dtype)
    staged[:, features] = factor
    head = staged[:, :features]
    source = ops.array(samples)
    if order is None and center is not None:  # one pass
        ops.xp.subtract(source, ops.array(center), out=head)
    else:
        head[...] = source if order is None else ops.take(source, ops.array(order), 0)
        if center is not None:
            head -= ops.array(center)
    if factor != 1.0:
        head *= factor
    return staged


def sample_squares(ops: ArrayOps, samples: torch.Tensor, center: torch.Tensor | None):
    """``‖x − c‖²`` per sample (n,) in the backend."""
    centred = samples if center is None else samples - center
    return ops.array(torch.linalg.vecdot(centred, centred))


def score_distances(ops: ArrayOps, best_value, sample_sq):
    """BMU distances ``√(score + ‖x − c‖²)`` from the centred euclidean scores (m,), in
    place."""
    best_value += sample_sq
    if ops.xp is torch:
        return best_value.clamp_(min=0.0).sqrt_()
    ops.xp.maximum(best_value, 0.0, out=best_value)
    return ops.xp.sqrt(best_value, out=best_value)


class MinibatchRule:
    """The mini-batch rule on one array backend.

    The codebook is held transposed and centred, ``Wᵀ − c`` (F, n), so both products of a
    step run on contiguous operands. A staged batch is ``[f·(x − c) | f]`` (b, F + 1) with
    ``f = −2`` for the euclidean distance (so one product gives the scores) and ``f = 1``
    otherwise; the epoch's neighbourhood tables are pre-scaled by ``lr / (b·f)``, so one
    product ``stagedᵀ H`` gives both ``(lr/b) Σ_k H[k] (x_k − c)`` and ``(lr/b) Σ_k H[k]``.

    Parameters
    ----------
    ops : ArrayOps
        Array backend.
    grid : GridIndex
        Grid bookkeeping.
    codebook : torch.Tensor
        Shape (n_neurons, F): the starting codebook (copied).
    batch_size : int
        Samples per update.
    center : torch.Tensor or None
        Shape (F,): reference point (None: no translation).
    cross_distance : callable or None
        ``(b, F) × (n, F) → (b, n)`` distance; None for the euclidean score.
    """

    def __init__(self, ops: ArrayOps, grid: GridIndex, codebook: torch.Tensor,
                 batch_size: int, center: torch.Tensor | None,
                 cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None,
                 ) -> None:
        n_neurons, features = codebook.shape
        dtype = codebook.dtype
        self.ops, self.grid, self.features, self.batch_size = ops, grid, features, batch_size
        self.dtype = dtype
        self.cross = cross_distance
        self.factor = -2.0 if cross_distance is None else 1.0
        self.center = center
        shifted = codebook if center is None else codebook - center
        # euclidean: one extra row −½‖w − c‖², so the staged column f = −2 adds ‖w − c‖²
        # to every score inside the product (no separate pass over the (b, n) scores)
        extra = 1 if cross_distance is None else 0
        self.augmented_t = ops.empty((features + extra, n_neurons), dtype)
        self.augmented_t[:features] = ops.array(shifted.t())
        self.codebook_t = self.augmented_t[:features]  # (F, n), a view
        self.scores = ops.empty((batch_size, n_neurons), dtype)
        self.rows = ops.empty((batch_size, n_neurons), dtype)
        self.gathered = ops.empty((batch_size, n_neurons), dtype)  # one axis's rows
        self.update = ops.empty((features + 1, n_neurons), dtype)
        self.one_minus = ops.empty((n_neurons,), dtype)  # 1 − Σ_k H[k] of a step
        self.squares = ops.empty((features, n_neurons), dtype)  # (w − c)² of a refresh
        self.offsets = ops.arange(batch_size, n_neurons)
        # the smoothed update needs the rectangular layout of the axis tables (hexagonal
        # keys are half-cells) and runs on the CPU only: on CUDA the scatter-add sums in a
        # nondeterministic order (atomics), and the same seed must give the same map
        self.smoothing_allowed = (not grid.hex and codebook.device.type == "cpu"
                                  and smoothing_pays(batch_size, grid, features))
        self._smoothed = False
        self._smoothing: tuple | None = None  # its scratch: sums, along the rows
        # the buffers of a full batch, as the step passes them on (no slicing per step)
        self._full = (self.scores, self.rows, self.offsets, self.gathered)
        self._norm_row = self.augmented_t[features] if cross_distance is None else None
        self.row_of = ops.array(grid.row_of.to(codebook.device))
        self.key_of = ops.array(grid.key_of.to(codebook.device))
        self.per_neuron_tables = (grid.x + grid.n_keys) * n_neurons <= _TABLE_LIMIT
        self.two = n_neurons >= 2
        self._kernel: GridKernel | None = None
        self.reduce: Callable[..., None] | None = None
        if extra:
            self._refresh_norms()

    def share(self, reduce: Callable[..., None]) -> None:
        """Train data-parallel (see the module contract): the step's product and its
        sample count travel in one buffer, ``(F + 1)·n + 1`` values."""
        features, n_neurons = self.update.shape
        self._packed = self.ops.empty((features * n_neurons + 1,), self.dtype)
        self.update = self._packed[:-1].reshape(features, n_neurons)
        self.reduce = reduce

    def stage(self, samples: torch.Tensor, order: torch.Tensor | None = None):
        """``[f·(x − c) | f]`` (m, F + 1) of ``samples[order]`` in the backend."""
        return stage_rows(self.ops, samples, order, self.center, self.factor)

    def begin(self, learning_rate: float, kernel: GridKernel) -> None:
        """Set this epoch's learning rate and neighbourhood."""
        ops = self.ops
        self._kernel = kernel
        # data-parallel steps divide by the global batch after the sum
        per_batch = self.batch_size if self.reduce is None else 1
        self._scale = float(learning_rate) / (per_batch * self.factor)
        self._smoothed = kernel.separable and self.smoothing_allowed
        if self._smoothed and self._smoothing is None:
            x, y, width = self.grid.x, self.grid.y, self.features + 1
            sums = ops.empty((x * y, width), self.dtype)
            self._smoothing = (sums, ops.empty((y * width, x), self.dtype))
        if self._smoothed:
            # the step leaves the sums zero; cleared here too in case a step was interrupted
            self._smoothing[0][...] = 0.0
        if kernel.separable:
            row_table = ops.array(kernel.row_table) * self._scale  # backend arithmetic
            key_table = ops.array(kernel.key_table)
            # (x, n) and (K, n): one row gather per axis (the smoothed update uses the
            # (x, x) and (y, y) tables themselves)
            if self.per_neuron_tables and not self._smoothed:
                row_table = ops.take(row_table, self.row_of, 1)
                key_table = ops.take(key_table, self.key_of, 1)
            self._tables = (row_table, key_table)

    def _neighbourhood(self, best, out, scratch=None) -> None:
        """Pre-scaled neighbourhood rows of the BMUs ``best`` into ``out`` (b, n);
        ``scratch`` (b, n) may hold one axis's gather (default: the kept one)."""
        ops = self.ops
        if not self._kernel.separable:
            rows = self._kernel.rows(ops.tensor(best).to(self._kernel.grid.positions.device))
            ops.xp.multiply(ops.array(rows), self._scale, out=out)
        elif self.per_neuron_tables:
            if scratch is None:
                scratch = self.gathered[: out.shape[0]]
            ops.neighbourhood_rows(*self._tables, self.row_of, self.key_of, best, out,
                                   scratch)
        else:  # large grids: gather the batch's axis rows, then spread them over the grid
            row_table, key_table = self._tables
            row_part = ops.take(ops.take(row_table, ops.take(self.row_of, best, 0), 0),
                                self.row_of, 1)
            key_part = ops.take(ops.take(key_table, ops.take(self.key_of, best, 0), 0),
                                self.key_of, 1)
            ops.xp.multiply(row_part, key_part, out=out)

    def step(self, staged, best, best_value, second) -> None:
        """Search and update for one staged batch (see the module contract)."""
        # a full batch passes the kept buffers as they are: on small maps the slicing
        # around the ~17 numpy calls of a step is a visible share of it
        ops = self.ops
        size = staged.shape[0]
        if size == self.batch_size:
            scores, rows, offsets, gathered = self._full
        else:
            scores, rows, offsets, gathered = (
                self.scores[:size], self.rows[:size], self.offsets[:size], self.gathered[:size])
        cross = self.cross
        if cross is None:
            euclidean_scores(staged, self.augmented_t, None, scores)
        else:
            scores[...] = cross(ops.tensor(staged[:, :self.features]),
                                ops.tensor(self.codebook_t).t())
        ops.top_two(scores, best, best_value, second if self.two else None, offsets)
        if self._smoothed:
            smoothed_numerator(staged, best, *self._tables, *self._smoothing, self.update)
        else:
            self._neighbourhood(best, rows, gathered)
        if self.reduce is not None:
            if not self._smoothed:
                minibatch_numerator(staged, rows, self.update)
            self._packed[-1] = size
            self._combine()
            return
        if self._smoothed:
            if size != self.batch_size:  # the tables are scaled for full batches
                self.update *= self.batch_size / size
            apply_minibatch_update(self.codebook_t, self.update, self.one_minus)
        else:
            if size != self.batch_size:
                rows *= self.batch_size / size
            minibatch_update(self.codebook_t, staged, rows, self.update, self.one_minus)
        if cross is None:
            self._refresh_norms()

    def _refresh_norms(self) -> None:
        """The augmented row: ``−½ ‖w_n − c‖²`` for every neuron."""
        self.ops.column_sq_norms(self.codebook_t, self._norm_row, -0.5, self.squares)

    def _combine(self) -> bool:
        """Sum the step over the workers and apply it; False when no worker had samples."""
        self.reduce(self._packed, "a mini-batch step")
        total = float(self._packed[-1])
        if total == 0.0:
            return False
        self.update *= 1.0 / total
        apply_minibatch_update(self.codebook_t, self.update, self.one_minus)
        if self.cross is None:
            self._refresh_norms()
        return True

    def drain(self) -> None:
        """Join the other workers' remaining steps with empty batches until every worker
        has used up its data (data-parallel only)."""
        while True:
            self.update[...] = 0.0
            self._packed[-1] = 0.0
            if not self._combine():
                return

    def sample_squares(self, samples: torch.Tensor):
        """``‖x − c‖²`` per sample (n,) in the backend: the term :meth:`distances` adds."""
        return sample_squares(self.ops, samples, self.center)

    def distances(self, best_value, sample_sq):
        """BMU distances from ranking values: ``√(score + ‖x − c‖²)`` for the euclidean
        score (``sample_sq`` (m,) in the same order), the values themselves otherwise."""
        if self.cross is not None:
            return best_value
        return score_distances(self.ops, best_value, sample_sq)

    def end(self, codebook: torch.Tensor) -> torch.Tensor:
        """Write the codebook, back in the data's coordinates, into ``codebook`` (n, F)."""
        return self.write_codebook(codebook)

    def write_codebook(self, codebook: torch.Tensor) -> torch.Tensor:
        """Write the codebook, back in the data's coordinates, into ``codebook`` (n, F)."""
        if self.ops.name == "numpy" and codebook.device.type == "cpu":  # one numpy call
            target = codebook.detach().numpy()
            if self.center is None:
                np.copyto(target, self.codebook_t.T)
            else:
                np.add(self.codebook_t.T, self.center.numpy(), out=target)
            return codebook
        trained = self.ops.tensor(self.codebook_t).t().to(codebook.device)
        if self.center is not None:
            trained = trained + self.center
        return codebook.copy_(trained)

    def state(self) -> dict[str, torch.Tensor]:
        """``codebook_t``: the centred, transposed codebook (F, n), copied."""
        return {"codebook_t": self.ops.tensor(self.codebook_t).clone()}

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state` returned."""
        ops = self.ops
        saved = state["codebook_t"]
        self.codebook_t[...] = ops.array(saved.to(device=ops.tensor(self.codebook_t).device,
                                                   dtype=ops.tensor(self.codebook_t).dtype))
        if self.cross is None:
            self._refresh_norms()


class BatchRule:
    """Kohonen's batch rule.

    With the euclidean distance and a reference point (``scored``) the whole epoch runs in
    the backend ``ops``: samples are staged once as ``[x − c | 1]`` (m, F + 1), ranked by
    one product with ``[−2 (w − c) ; ‖w − c‖²]`` (F + 1, n) per chunk, and summed per BMU
    by one ``index_add_`` that also counts (the staged column of ones). Other distances
    search through :func:`~torchsom.functional.bmu.topk_bmus` and sum the same staged rows.

    Parameters
    ----------
    ops : ArrayOps
        Array backend (numpy on the CPU where it can).
    codebook : torch.Tensor
        Shape (n_neurons, F): the codebook, updated in place by :meth:`end`.
    center : torch.Tensor or None
        Shape (F,): reference point of the accumulated sums (None: origin).
    cross_distance : callable
        ``(b, F) × (n, F) → (b, n)`` distance.
    """

    #: subclasses whose search returns distances (the masked rule) set this False
    ranks_by_score = True

    def __init__(self, ops: ArrayOps, codebook: torch.Tensor, center: torch.Tensor | None,
                 cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
        self.ops, self.cross = ops, cross_distance
        self.center = center
        self.codebook = codebook
        n_neurons, features = codebook.shape
        self.features = features
        self.two = min(2, n_neurons)
        self.scored = (self.ranks_by_score and cross_distance is euclidean_cross
                       and center is not None)
        self._staging_ops = ops if self.scored else TorchOps(codebook.device)
        # columns: the per-neuron sums of ``x − c``, then the hit counts
        self.stats = codebook.new_zeros(n_neurons, features + 1)
        if self.scored:
            chunk = chunk_size_for(n_neurons)
            self.augmented_t = ops.empty((features + 1, n_neurons), codebook.dtype)
            self.scores = ops.empty((chunk, n_neurons), codebook.dtype)
            self.offsets = ops.arange(chunk, n_neurons)
        self.reduce: Callable[..., None] | None = None

    def share(self, reduce: Callable[..., None]) -> None:
        """Train data-parallel: the epoch's sums and counts are summed over the workers."""
        self.reduce = reduce

    def stage(self, samples: torch.Tensor, order: torch.Tensor | None = None):
        """``[x − c | 1]`` (m, F + 1) of ``samples[order]`` (torch for other distances)."""
        return stage_rows(self._staging_ops, samples, order, self.center, 1.0)

    def begin(self, learning_rate: float, kernel: GridKernel) -> None:
        """Reset the epoch's sums and counts; rank against the epoch's codebook."""
        self._lr, self._kernel = float(learning_rate), kernel
        self.stats.zero_()
        if self.scored:
            head = self.augmented_t[: self.features]
            head[...] = self.ops.array((self.codebook - self.center).t())
            head *= -2.0
            # Σ (−2 (w − c))² / 4 = ‖w − c‖²
            self.ops.column_sq_norms(head, self.augmented_t[self.features], 0.25)

    def step(self, staged, best, best_value, second) -> None:
        """Search a block (any size: it is ranked in chunks) against the epoch's fixed
        codebook and add it to the per-neuron sums and counts."""
        if self.scored:
            ops, chunk = self.ops, self.scores.shape[0]
            for start in range(0, staged.shape[0], chunk):
                stop = min(start + chunk, staged.shape[0])
                scores = self.scores[: stop - start]
                euclidean_scores(staged[start:stop], self.augmented_t, None, scores)
                ops.top_two(scores, best[start:stop], best_value[start:stop],
                            second[start:stop] if self.two == 2 else None,
                            self.offsets[: stop - start])
                # while the chunk is still in cache (one call for all: 1.8x slower)
                self.stats.index_add_(0, ops.tensor(best[start:stop]),
                                      ops.tensor(staged[start:stop]))
            return
        dist, idx = topk_bmus(staged[:, : self.features], self.codebook, self.cross,
                              k=self.two, prefer_numpy=self.ops.name == "numpy")
        self._record(dist, idx, best, best_value, second)
        self.stats.index_add_(0, best, staged)

    def _record(self, dist: torch.Tensor, idx: torch.Tensor, best, best_value,
                second) -> None:
        """Copy a search's (m, k) results into the epoch's buffers (m,)."""
        best.copy_(idx[:, 0])
        best_value.copy_(dist[:, 0])
        if second is not None and self.two == 2:
            second.copy_(idx[:, 1])

    def sample_squares(self, samples: torch.Tensor):
        """``‖x − c‖²`` per sample (n,) in the backend (the scored search only)."""
        return sample_squares(self.ops, samples, self.center)

    def distances(self, best_value, sample_sq):
        """BMU distances: from the centred scores, or the search's own distances."""
        if not self.scored:
            return best_value
        return score_distances(self.ops, best_value, sample_sq)

    def end(self, codebook: torch.Tensor) -> torch.Tensor:
        """Smooth the statistics over the grid and move the codebook (see the module)."""
        if self.reduce is not None:
            self.reduce(self.stats, "the epoch's per-neuron sums and counts")
        return self._move(codebook, self._kernel.smooth(self.stats))

    def _move(self, codebook: torch.Tensor, smoothed: torch.Tensor) -> torch.Tensor:
        """``W ← W + lr (W* − W)`` from the smoothed statistics (n, F + k): sums, then
        one count column (or one per feature); neurons with no weight stay exactly."""
        features = self.features
        denominator = smoothed[:, features:]
        ok = denominator > 1e-12 * denominator.abs().max().clamp_min(1e-30)
        target = smoothed[:, :features] / torch.where(ok, denominator,
                                                      torch.ones_like(denominator))
        current = codebook if self.center is None else codebook - self.center
        blend = min(max(self._lr, 0.0), 1.0)
        moved = current + blend * (target - current)
        if self.center is not None:
            moved += self.center
        return codebook.copy_(torch.where(ok, moved, codebook))

    def write_codebook(self, codebook: torch.Tensor) -> torch.Tensor:
        """The codebook is already current (it moves only at the end of an epoch)."""
        return codebook

    def state(self) -> dict[str, torch.Tensor]:
        """The epoch's partial ``sums`` (n, F) and ``counts`` (n,), copied."""
        return {"sums": self.stats[:, : self.features].clone(),
                "counts": self.stats[:, self.features].clone()}

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state` returned."""
        self.stats[:, : self.features] = state["sums"]
        self.stats[:, self.features] = state["counts"]
