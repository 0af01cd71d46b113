"""A training run fed chunk by chunk: :class:`Run` holds the rule, the schedule position
and the per-epoch errors. :func:`~torchsom._engine.driver.train_epochs` feeds one from a
data source; ``partial_fit`` keeps one and feeds it one call at a time."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import torch

from torchsom._engine.distributed import Collective
from torchsom._engine.ops import TorchOps
from torchsom._engine.plan import FitPlan, PastTheEnd, build_rule, has_missing
from torchsom._engine.rules import BatchRule, MinibatchRule
from torchsom._engine.tally import ErrorTally
from torchsom._engine.variants import build_variant_rule
from torchsom.functional.smoothing import GridKernel

__all__ = ["Run"]

# a rule's staged form of data that comes back every pass is kept when it has
# at most this many entries (the data once more); each epoch then gathers its order from
# it in one call instead of staging again (~6 calls; ~6 % of the tutorial's 300-sample,
# 100-epoch fit)
_KEPT_STAGING = 1 << 23


class Run:
    """One training run, fed chunk by chunk: the rule, the schedule position, the errors.

    Parameters
    ----------
    plan : FitPlan
    codebook : torch.Tensor
        Shape (n_neurons, F), the map's codebook (written at each epoch's end).
    center : torch.Tensor or None
        Reference point (F,).
    batch : int
        Mini-batch size.
    epoch_size : callable, optional
        ``epoch -> samples in it``: epochs end by sample count (else :meth:`end_epoch`
        is called by the driver at the end of each pass).
    grouped : bool
        Each epoch is exactly one chunk in one process (see :class:`ErrorTally`).
    collective : Collective, optional
        Train data-parallel.
    samples : torch.Tensor, optional
        Shape (n, F): all the samples of an in-memory fit. The online rule and the masked
        rules (NaN with ``missing_values="ignore"``) are built from them, and only then.

    Raises
    ------
    ValueError
        For the online rule without ``samples`` or with epochs ended by sample count
        (streams, ``partial_fit``).
    """

    def __init__(self, plan: FitPlan, codebook: torch.Tensor, center: torch.Tensor | None,
                 batch: int, epoch_size: Callable[[int], int] | None = None,
                 grouped: bool = False, collective: Collective | None = None,
                 samples: torch.Tensor | None = None) -> None:
        self.plan, self.codebook, self.center = plan, codebook, center
        masked = samples is not None and has_missing(plan, samples)
        self.variant = masked or plan.algorithm == "online"
        if self.variant:
            if samples is None or epoch_size is not None:
                raise ValueError(
                    "algorithm='online' trains on in-memory data (an array, tensor or "
                    "DataFrame) in one fit() call; for partial_fit, memmaps, DataLoaders and "
                    "other streams use algorithm='minibatch' or 'batch'."
                )
            self.ops, self.rule, self.threads = build_variant_rule(plan, codebook, samples,
                                                                   masked)
        else:
            self.ops, self.rule, self.threads = build_rule(plan, codebook, center, batch)
        self.batch_rule = isinstance(self.rule, BatchRule)
        # the batch rule's search for other distances than euclidean returns torch tensors;
        # every other rule ranks by a score in its backend, turned into distances by the
        # samples' squared norms
        searched = self.batch_rule and not self.rule.scored
        self.record = TorchOps(codebook.device) if searched else self.ops
        self.scored = not searched
        self.collective = collective
        reduce = None if collective is None else collective.sum_
        if reduce is not None:
            self.rule.share(reduce)
        self.tally = ErrorTally(plan.errors, grouped, codebook.device, reduce)
        self.epoch_size = epoch_size
        self.epoch, self.seen, self.open = 0, 0, False
        self.on_epoch_end: Callable[[], None] | None = None
        self._squares: tuple[torch.Tensor, Any] | None = None
        self._staged: tuple[torch.Tensor, Any] | None = None

    @contextlib.contextmanager
    def context(self) -> Iterator[None]:
        """The run's thread count and no autograd (around every call that feeds it)."""
        with self.ops.threads(self.threads), torch.no_grad():
            yield

    def begin_epoch(self) -> None:
        """Start epoch ``self.epoch`` (past the map's epochs, the last one's schedule)."""
        plan = self.plan
        learning_rate, sigma = plan.schedule(min(self.epoch, plan.epochs - 1))
        kernel = GridKernel(plan.grid, plan.neighborhood, max(sigma, 1e-12),
                            self.codebook.dtype)
        self.rule.begin(learning_rate, kernel)
        self.open = True

    def end_epoch(self) -> None:
        """Finish the open epoch: move or write the codebook, close its errors."""
        if self.collective is not None and not self.batch_rule:
            self.rule.drain()
        self.rule.end(self.codebook)
        self.tally.close(self.codebook.shape[0] > 1)
        self.epoch, self.seen, self.open = self.epoch + 1, 0, False
        if self.on_epoch_end is not None:
            self.on_epoch_end()

    def feed(self, samples: torch.Tensor, order: torch.Tensor | None = None,
             reuse: bool = False, limit: int | None = None) -> None:
        """Use one chunk (rows ``samples[order]``, or as they are).

        Parameters
        ----------
        samples : torch.Tensor
            Shape (m, F), checked, in the codebook's dtype and device.
        order : torch.Tensor, optional
            Shape (m,): row order.
        reuse : bool
            The same ``samples`` come back every pass (their squared norms are kept).
        limit : int, optional
            By sample count only: the epoch count the run may not exceed.

        Raises
        ------
        PastTheEnd
            When ``limit`` epochs are complete and samples remain.
        """
        if self.epoch_size is None:
            if not self.open:
                self.begin_epoch()
            self._consume(samples, order, reuse)
            self.seen += samples.shape[0] if order is None else order.shape[0]
            return
        total = samples.shape[0] if order is None else order.shape[0]
        offset = 0
        while offset < total:
            if limit is not None and self.epoch >= limit:
                raise PastTheEnd(f"{total - offset} samples remain after the last epoch")
            if not self.open:
                self.begin_epoch()
            take = min(self.epoch_size(self.epoch) - self.seen, total - offset)
            if order is not None:
                self._consume(samples, order[offset : offset + take], False)
            elif offset == 0 and take == total:
                self._consume(samples, None, reuse)
            else:
                self._consume(samples[offset : offset + take], None, False)
            self.seen += take
            offset += take
            if self.seen >= self.epoch_size(self.epoch):
                self.end_epoch()

    def _sample_squares(self, samples: torch.Tensor, reuse: bool):
        """The rule's per-sample term of ``samples`` (``‖x − c‖²`` (m,), or the masked
        rules' (m, 2)) in its backend (kept when ``reuse``)."""
        if self._squares is not None and self._squares[0] is samples:
            return self._squares[1]
        squares = self.rule.sample_squares(samples)
        if reuse:
            self._squares = (samples, squares)
        return squares

    def _stage(self, samples: torch.Tensor, order: torch.Tensor | None, reuse: bool):
        """``rule.stage(samples, order)``; for data that comes back every pass (``reuse``,
        small enough), staged once and gathered in ``order`` each time."""
        rule = self.rule
        if (not reuse or not isinstance(rule, (MinibatchRule, BatchRule))
                or samples.shape[0] * (samples.shape[1] + 1) > _KEPT_STAGING):
            return rule.stage(samples, order)
        if self._staged is None or self._staged[0] is not samples:
            self._staged = (samples, rule.stage(samples))
        staged = self._staged[1]
        if order is None:
            return staged
        return self.record.take(staged, self.record.array(order), 0)  # the staging backend

    def _consume(self, samples: torch.Tensor, order: torch.Tensor | None, reuse: bool) -> None:
        rule, record, dtype = self.rule, self.record, self.codebook.dtype
        count = samples.shape[0] if order is None else order.shape[0]
        staged = self._stage(samples, order, reuse)
        pair = record.empty((2, count), dtype, index=True)  # rows: best, second
        best, second = pair[0], pair[1]
        value = record.empty((count,), dtype)
        step = count if self.batch_rule else rule.batch_size  # the batch rule chunks itself
        for start in range(0, count, step):
            stop = min(start + step, count)
            rule.step(staged[start:stop], best[start:stop], value[start:stop],
                      second[start:stop])
        squares = None
        if self.scored:
            squares = self._sample_squares(samples, reuse)
            if order is not None:
                squares = self.ops.take(squares, self.ops.array(order), 0)
        distance = record.tensor(rule.distances(value, squares))
        best_two = record.tensor(pair).t()  # (m, 2), a view
        self.tally.add(distance, best_two if self.codebook.shape[0] > 1 else best_two[:, :1])

    def snapshot(self) -> tuple:
        """Everything :meth:`restore` needs to undo the calls that follow."""
        return (self.rule.state(), self.tally.state(), list(self.tally.done_q),
                list(self.tally.done_t), self.epoch, self.seen, self.open,
                self.codebook.clone())

    def restore(self, snapshot: tuple) -> None:
        """Return to a :meth:`snapshot`."""
        rule_state, sums, done_q, done_t, epoch, seen, was_open, codebook = snapshot
        self.epoch, self.seen = epoch, seen
        self.codebook.copy_(codebook)  # first: a rule may begin from the codebook
        if was_open:  # the epoch's schedule (the failed call may have begun the next one)
            self.begin_epoch()
        self.open = was_open
        self.rule.load_state(rule_state)
        self.tally.load_state(sums, self.codebook.device)
        self.tally.done_q, self.tally.done_t = done_q, done_t

    def check_finite(self) -> None:
        """Raise FloatingPointError when training produced non-finite weights."""
        q_list, _ = self.tally.result()
        if (not all(math.isfinite(v) for v in q_list)
                or not bool(torch.isfinite(self.codebook).all())):
            raise FloatingPointError(
                "training produced non-finite weights; reduce learning_rate or rescale the "
                "data (standardising features usually helps)."
            )
