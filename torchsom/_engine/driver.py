"""The fit driver: epochs, schedules, shuffling and per-epoch errors around one rule.

:func:`train_epochs` is the single path every fit takes. It picks the array backend and
the thread count once (:mod:`torchsom._engine.selection`), builds the rule
(:mod:`torchsom._engine.rules`) inside a :class:`Run`, and for each pass over the data
source (:mod:`torchsom._engine.sources`) feeds the run chunk by chunk; the run stages
each chunk, feeds it to the rule batch by batch, and records the errors the rule's own
searches found. ``partial_fit`` feeds a :class:`Run` of its own, one call at a time.

Epochs
    A re-iterable source gives one epoch per pass. A single-pass iterator (and
    ``partial_fit``) ends epochs by sample count: the run knows how many samples each
    epoch holds and splits a chunk that straddles two.
Reference point
    The euclidean training coordinates are centred on the mean of the data in memory, or
    of the first chunk of a stream (or of ``partial_fit``'s first batch); a data-parallel
    fit takes the sample-weighted mean of the ranks' points.
Data-parallel fits, checkpoints
    See :mod:`torchsom._engine.distributed` and :mod:`torchsom._engine.checkpoint`.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from tqdm.auto import tqdm

from torchsom._engine.checkpoint import Checkpointer, FitState
from torchsom._engine.distributed import Collective, RankFailure
from torchsom._engine.ops import ArrayOps, TorchOps
from torchsom._engine.rules import BatchRule, MinibatchRule
from torchsom._engine.selection import choose_ops, minibatch_threads
from torchsom._engine.sources import DataSource, TensorSource
from torchsom._engine.tally import ErrorTally
from torchsom._engine.variants import build_variant_rule
from torchsom.functional.bmu import reference_point
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.metrics import EpochErrors
from torchsom.functional.smoothing import GridIndex, GridKernel

__all__ = ["FitPlan", "FitControl", "Run", "train_epochs", "build_rule"]


@dataclass
class FitPlan:
    """Everything a fit needs besides the data and the codebook.

    Attributes
    ----------
    algorithm : {"minibatch", "batch", "online"}
    epochs, batch_size : int
    schedule : callable
        ``epoch -> (learning_rate, sigma)``.
    neighborhood : callable
        Registry kernel or element-wise ``(dist_sq, sigma)`` callable.
    cross_distance : callable
        ``(b, F) × (n, F) → (b, n)`` distance.
    grid : GridIndex
    errors : EpochErrors
    generator : torch.Generator
        Shuffling (CPU generator; the map's own).
    verbose : bool
    backend : {"numpy", "torch"} or None
        Force an array backend (None: chosen by :func:`choose_ops`).
    threads : int or None
        Force a thread count (None: measured, see :mod:`torchsom._engine.selection`).
    step_schedule : callable or None
        ``(steps, total_steps) → (learning rates, sigmas)``: the per-step schedule of the
        online rule (see :func:`torchsom._engine.online.per_step_schedule`).
    missing_values : {"error", "ignore"}
        ``"ignore"``: data may hold NaN (missing values); the masked rules train on it.
    """

    algorithm: str
    epochs: int
    batch_size: int
    schedule: Callable[[int], tuple[float, float]]
    neighborhood: Callable[..., torch.Tensor]
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    grid: GridIndex
    errors: EpochErrors
    generator: torch.Generator
    verbose: bool = False
    backend: str | None = None
    threads: int | None = None
    step_schedule: Callable[..., tuple] | None = None
    missing_values: str = "error"


@dataclass
class FitControl:
    """What a fit adds to its plan beyond in-memory training in one process.

    Attributes
    ----------
    collective : Collective or None
        Train data-parallel over this process group.
    checkpointer : Checkpointer or None
        Write checkpoints.
    resume : FitState or None
        Continue from this position (the codebook already holds its weights).
    settings : dict of str
        The map's training settings (stored in checkpoints, compared across ranks).
    """

    collective: Collective | None = None
    checkpointer: Checkpointer | None = None
    resume: FitState | None = None
    settings: dict[str, str] = field(default_factory=dict)


class PastTheEnd(ValueError):
    """A by-count run received samples after its last epoch."""


def build_rule(plan: FitPlan, codebook: torch.Tensor, center: torch.Tensor | None,
               batch: int) -> tuple[ArrayOps, MinibatchRule | BatchRule, int]:
    """The backend, the rule and the thread count of one fit.

    Parameters
    ----------
    plan : FitPlan
    codebook : torch.Tensor
        Shape (n_neurons, F).
    center : torch.Tensor or None
        Shape (F,): the reference point (None for distances other than euclidean).
    batch : int
        Mini-batch size (the mini-batch rule's scratch size).
    """
    n_neurons, features = codebook.shape
    euclid = plan.cross_distance is euclidean_cross
    ops = choose_ops(codebook.device, codebook.dtype, n_neurons, plan.backend)
    if plan.algorithm == "batch":
        threads = plan.threads or torch.get_num_threads()
        return ops, BatchRule(ops, codebook, center, plan.cross_distance), threads
    rule = MinibatchRule(ops, plan.grid, codebook, batch, center,
                         None if euclid else plan.cross_distance)
    threads = plan.threads or minibatch_threads(ops, batch, n_neurons, features,
                                                codebook.dtype)
    return ops, rule, threads


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
        # the batch rule is torch arithmetic around a (possibly numpy) search
        self.record = TorchOps(codebook.device) if self.batch_rule else self.ops
        self.collective = collective
        reduce = None if collective is None else collective.sum_
        if reduce is not None:
            self.rule.share(reduce)
        self.tally = ErrorTally(plan.errors, grouped, codebook.device, reduce)
        self.epoch_size = epoch_size
        self.epoch, self.seen, self.open = 0, 0, False
        self.on_epoch_end: Callable[[], None] | None = None
        self._squares: tuple[torch.Tensor, Any] | None = None

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

    def _consume(self, samples: torch.Tensor, order: torch.Tensor | None, reuse: bool) -> None:
        rule, record, dtype = self.rule, self.record, self.codebook.dtype
        count = samples.shape[0] if order is None else order.shape[0]
        staged = rule.stage(samples, order)
        best = record.empty((count,), dtype, index=True)
        second = record.empty((count,), dtype, index=True)
        value = record.empty((count,), dtype)
        step = count if self.batch_rule else rule.batch_size  # the batch rule chunks itself
        for start in range(0, count, step):
            stop = min(start + step, count)
            rule.step(staged[start:stop], best[start:stop], value[start:stop],
                      second[start:stop])
        squares = None
        if not self.batch_rule:
            squares = self._sample_squares(samples, reuse)
            if order is not None:
                squares = self.ops.take(squares, self.ops.array(order), 0)
        distance = record.tensor(rule.distances(value, squares))
        best_two = torch.stack((record.tensor(best), record.tensor(second)), dim=1)
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
        if was_open:  # the epoch's schedule (the failed call may have begun the next one)
            self.begin_epoch()
        self.open = was_open
        self.rule.load_state(rule_state)
        self.tally.load_state(sums, self.codebook.device)
        self.tally.done_q, self.tally.done_t = done_q, done_t
        self.codebook.copy_(codebook)

    def check_finite(self) -> None:
        """Raise FloatingPointError when training produced non-finite weights."""
        q_list, _ = self.tally.result()
        if (not all(math.isfinite(v) for v in q_list)
                or not bool(torch.isfinite(self.codebook).all())):
            raise FloatingPointError(
                "training produced non-finite weights; reduce learning_rate or rescale the "
                "data (standardising features usually helps)."
            )


def has_missing(plan: FitPlan, samples: torch.Tensor) -> bool:
    """Whether ``samples`` hold NaN that the plan treats as missing values."""
    return plan.missing_values == "ignore" and bool(torch.isnan(samples).any())


#: why checkpoints and distributed fits refuse the online and masked rules
UNSUPPORTED_CONTROL = (
    "checkpoints and distributed fits support the minibatch and batch rules on complete "
    "data; got {what}. Fit without checkpoint/resume/distributed, or use "
    "algorithm='minibatch' or 'batch' on data without NaN."
)


def _unsupported(plan: FitPlan, first: Any, control: FitControl) -> str | None:
    """The refusal of a checkpointed or distributed fit with the online or masked rules."""
    if control.collective is None and control.checkpointer is None and control.resume is None:
        return None
    if plan.algorithm == "online":
        return UNSUPPORTED_CONTROL.format(what="algorithm='online'")
    if first is not None and has_missing(plan, first.samples):
        return UNSUPPORTED_CONTROL.format(what="data with missing values (NaN)")
    return None


def _center(plan: FitPlan, samples: torch.Tensor | None,
            collective: Collective | None) -> torch.Tensor | None:
    """The reference point: mean of ``samples`` (across ranks: weighted by their counts)."""
    if plan.cross_distance is not euclidean_cross:
        return None
    if collective is None:
        return reference_point(samples)
    count, features = samples.shape
    local = torch.zeros(features + 1, dtype=torch.float64, device=samples.device)
    local[:features] = reference_point(samples).double() * count
    local[features] = count
    collective.sum_(local, "the reference point")
    return (local[:features] / local[features]).to(samples.dtype)


def train_epochs(plan: FitPlan, codebook: torch.Tensor, data: torch.Tensor | DataSource,
                 control: FitControl | None = None) -> tuple[list[float], list[float]]:
    """Run ``plan.epochs`` epochs over ``data``, updating ``codebook`` in place.

    Parameters
    ----------
    plan : FitPlan
    codebook : torch.Tensor
        Shape (n_neurons, F), updated in place.
    data : torch.Tensor or DataSource
        Samples (n_samples, F) on the codebook's device and in its dtype, or a source.
    control : FitControl, optional
        Data-parallel training, checkpoints, resumption.

    Returns
    -------
    quantization_errors, topographic_errors : list of float
        Per epoch (TE in percent), including those done before a resumed interruption.

    Raises
    ------
    ValueError
        For a source that yields no samples, or not the samples it announced.
    FloatingPointError
        When training produced non-finite weights (the caller restores them).
    RankFailure
        When a collective of a distributed fit fails.
    """
    control = control or FitControl()
    source = data if isinstance(data, DataSource) else TensorSource(data)
    collective, resume, keeper = control.collective, control.resume, control.checkpointer
    rank = 0 if collective is None else collective.rank
    by_count = not source.reiterable
    passes = 1 if by_count else plan.epochs
    shuffle = plan.algorithm != "batch"
    generator = plan.generator
    pass_index, skip = 0, 0
    if resume is not None:
        pass_index, skip = resume.pass_index, resume.chunks_done
        generator.set_state(resume.generators[rank].clone())
        if pass_index >= passes:  # the interrupted fit had finished
            return list(resume.quantization), list(resume.topographic)
    pass_start = generator.get_state()
    chunks = source.chunks(generator, shuffle, skip)
    first = next(chunks, None)
    unsupported = _unsupported(plan, first, control)
    if collective is not None:
        problem = unsupported
        if first is None and (resume is None or skip == 0):
            problem = f"its {source.kind} yielded no samples (an empty shard?)"
        collective.agree(control.settings, problem)
        collective.broadcast_(codebook, "the starting codebook")
    elif unsupported is not None:
        raise ValueError(unsupported)
    elif first is None and skip == 0:
        raise ValueError(f"the {source.kind} yielded no samples (is it empty?).")
    if resume is not None:
        center = None if resume.center is None else resume.center.to(codebook)
    else:
        center = _center(plan, first.samples, collective)
    batch = plan.batch_size
    if source.one_chunk:
        batch = min(batch, source.n_samples)
    epoch_size = None
    if by_count:
        total, epochs = source.n_samples, plan.epochs
        if total < epochs:
            raise ValueError(f"the {source.kind} holds n_samples={total} samples, fewer than "
                             f"the map's epochs={epochs}: every epoch needs a sample.")

        def epoch_size(epoch: int) -> int:
            return (epoch + 1) * total // epochs - epoch * total // epochs

    run = Run(plan, codebook, center, batch, epoch_size,
              grouped=source.one_chunk and collective is None, collective=collective,
              samples=first.samples if source.one_chunk and first is not None else None)
    if resume is not None:
        run.epoch, run.seen = resume.epoch, resume.seen
        run.tally.prior = (list(resume.quantization), list(resume.topographic))
        if resume.seen > 0 or skip > 0:
            run.begin_epoch()
            run.tally.load_state(resume.errors, codebook.device)
        run.rule.load_state(resume.rule)

    def capture(position: int, used: int, state: torch.Tensor) -> FitState:
        run.rule.write_codebook(codebook)
        q_list, t_list = run.tally.result()
        states = [state] if collective is None else [
            g.cpu() for g in collective.gather(state.to(codebook.device), "generator states")]
        return FitState(
            settings=control.settings,
            source={"kind": source.kind, "n_samples": source.n_samples},
            pass_index=position, chunks_done=used, epoch=run.epoch, seen=run.seen,
            quantization=q_list, topographic=t_list, generators=states,
            rule=run.rule.state(), center=center, errors=run.tally.state(),
            world=1 if collective is None else collective.world,
        )

    def save(position: int, used: int, state: torch.Tensor) -> None:
        snapshot = capture(position, used, state)
        if collective is None:
            keeper.save(snapshot)
            return
        failure = None
        try:  # rank 0 writes; the others wait for it, so a restart reads this version
            keeper.save(snapshot)
        except Exception as exc:
            failure = exc
        written = torch.tensor([0.0 if failure else 1.0], dtype=torch.float64,
                               device=codebook.device)
        collective.sum_(written, "the checkpoint's completion")
        if failure is not None:
            raise failure
        if float(written) < collective.world:
            raise RankFailure(f"distributed fit: rank 0 could not write the checkpoint "
                              f"'{keeper.path}' (see rank 0's error).")

    bar = tqdm(total=plan.epochs, initial=run.epoch, desc="Training SOM", unit="epoch",
               disable=not plan.verbose, leave=True)

    def progress() -> None:
        bar.update(1)
        if plan.verbose:
            quantization, topographic = run.tally.latest()
            bar.set_postfix(QE=f"{quantization:.4f}", TE=f"{topographic:.2f}%", refresh=False)

    run.on_epoch_end = progress
    with run.context():
        while pass_index < passes:
            used, delivered = skip, 0
            stream = chunks if first is None else itertools.chain([first], chunks)
            for chunk in stream:
                try:
                    run.feed(chunk.samples, chunk.order, reuse=source.one_chunk,
                             limit=plan.epochs if by_count else None)
                except PastTheEnd as exc:
                    raise ValueError(
                        f"the {source.kind} yielded more than its n_samples={source.n_samples}"
                        f" samples: chunk {chunk.index} (after {chunk.start} samples) is past "
                        f"the end ({exc})."
                    ) from None
                used += 1
                delivered += chunk.samples.shape[0] if chunk.order is None else \
                    chunk.order.shape[0]
                if keeper is not None and collective is None and keeper.chunk_due():
                    save(pass_index, used, pass_start)
            if used == 0:
                raise ValueError(f"the {source.kind} yielded no samples in pass {pass_index}.")
            if by_count and run.epoch < plan.epochs:
                raise ValueError(
                    f"the {source.kind} ended after {_seen_total(run)} "
                    f"samples but n_samples={source.n_samples} were announced."
                )
            if not by_count:
                if (skip == 0 and source.n_samples is not None
                        and not source.one_chunk and delivered != source.n_samples):
                    raise ValueError(
                        f"the {source.kind} yielded {delivered} samples in pass {pass_index} "
                        f"but n_samples={source.n_samples} were announced."
                    )
                run.end_epoch()
            pass_index, skip, first = pass_index + 1, 0, None
            pass_start = generator.get_state()
            if keeper is not None:
                save(pass_index, 0, pass_start)
            if pass_index < passes:
                chunks = source.chunks(generator, shuffle, 0)
    bar.close()
    run.check_finite()
    return run.tally.result()


def _seen_total(run: Run) -> int:
    """Samples a by-count run used so far."""
    return sum(run.epoch_size(e) for e in range(run.epoch)) + run.seen
