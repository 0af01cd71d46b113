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

import itertools
from typing import Any

import torch
from tqdm.auto import tqdm

from torchsom._engine.checkpoint import FitState
from torchsom._engine.distributed import Collective, RankFailure
from torchsom._engine.plan import FitControl, FitPlan, PastTheEnd, build_rule, has_missing
from torchsom._engine.run import Run
from torchsom._engine.sources import DataSource, TensorSource
from torchsom.functional.bmu import reference_point
from torchsom.functional.distances import euclidean_cross

__all__ = ["FitPlan", "FitControl", "Run", "train_epochs", "build_rule"]


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

    # no bar at all when quiet: even a disabled tqdm builds its write lock on first use,
    # importing multiprocessing's synchronisation (~14 ms, a quarter of a short fit)
    bar = (tqdm(total=plan.epochs, initial=run.epoch, desc="Training SOM", unit="epoch",
                leave=True) if plan.verbose else None)

    def progress() -> None:
        bar.update(1)
        quantization, topographic = run.tally.latest()
        bar.set_postfix(QE=f"{quantization:.4f}", TE=f"{topographic:.2f}%", refresh=False)

    run.on_epoch_end = progress if bar is not None else None
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
    if bar is not None:
        bar.close()
    run.check_finite()
    return run.tally.result()


def _seen_total(run: Run) -> int:
    """Samples a by-count run used so far."""
    return sum(run.epoch_size(e) for e in range(run.epoch)) + run.seen
