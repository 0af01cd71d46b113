"""What ``SOM.fit`` and ``SOM.partial_fit`` need beyond in-memory training in one process:
data sources, checkpoints (through the map file format), resumption, data-parallel
training and the running state of ``partial_fit``.

The engine (:mod:`torchsom._engine`) does the work; this module ties it to the map: it
checks the options, reads and writes checkpoints as map files
(:mod:`torchsom.core.persistence`), and keeps ``partial_fit``'s run between calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch

from torchsom._engine.checkpoint import Checkpointer, FitState, check_resumable
from torchsom._engine.distributed import Collective, RankFailure
from torchsom._engine.plan import FitControl
from torchsom._engine.run import Run
from torchsom._engine.sources import DataSource, TensorSource, as_source
from torchsom._validation import check_int
from torchsom.core.container import read_entries
from torchsom.core.persistence import save_som
from torchsom.functional.bmu import reference_point
from torchsom.functional.distances import euclidean_cross

__all__ = ["FitOptions", "PartialFit", "RankFailure", "fit_control", "fit_source",
           "partial_fit", "training_settings"]

#: settings that change what training computes (compared on resume and across ranks)
TRAINING_SETTINGS = (
    "x", "y", "num_features", "epochs", "batch_size", "sigma", "learning_rate", "topology",
    "pbc", "lr_decay_function", "sigma_decay_function", "neighborhood_function",
    "distance_function", "algorithm",
)


def training_settings(som: Any) -> dict[str, str]:
    """The map's training settings as text (functions by name), plus the weights' dtype."""
    settings = {}
    for name in TRAINING_SETTINGS:
        value = getattr(som, name)
        if callable(value):
            value = getattr(value, "__name__", type(value).__name__)
        settings[name] = repr(value)
    settings["dtype"] = str(som.weights.dtype)
    return settings


@dataclass
class FitOptions:
    """The keyword-only options of ``SOM.fit`` (checked on construction)."""

    n_samples: int | None = None
    checkpoint: str | os.PathLike[str] | None = None
    checkpoint_every: int | None = None
    resume: str | os.PathLike[str] | bool | None = None
    distributed: bool = False
    process_group: Any = None

    def __post_init__(self) -> None:
        if self.checkpoint is not None:
            _check_path("checkpoint", self.checkpoint)
        if self.checkpoint_every is not None:
            check_int("checkpoint_every", self.checkpoint_every, 1)
            if self.checkpoint is None:
                raise ValueError("checkpoint_every needs checkpoint=<path> (where to write).")
        if self.resume is True:
            if self.checkpoint is None:
                raise ValueError("resume=True resumes from checkpoint=<path>; give that path "
                                 "too (or resume=<path>).")
        elif self.resume is not None and self.resume is not False:
            _check_path("resume", self.resume)
        if not isinstance(self.distributed, bool):
            raise TypeError(f"distributed must be True or False; got {self.distributed!r}.")
        if self.process_group is not None and not self.distributed:
            raise ValueError("process_group is used by distributed fits; pass distributed=True "
                             "as well.")

    @property
    def active(self) -> bool:
        """Whether the fit needs more than in-memory, one-process training."""
        return bool(self.checkpoint is not None or self.resume or self.distributed)

    def resume_path(self) -> str | os.PathLike[str] | None:
        """The file to resume from, or None (``resume=True`` with no file yet: start)."""
        if self.resume is True:
            return self.checkpoint if os.path.exists(self.checkpoint) else None
        if self.resume in (None, False):
            return None
        if not os.path.exists(self.resume):
            raise FileNotFoundError(f"resume: no checkpoint at '{os.fspath(self.resume)}'.")
        return self.resume


def _check_path(name: str, value: Any) -> None:
    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)) or not \
            os.fspath(value):
        raise TypeError(f"{name} must be a file path (str or os.PathLike); got {value!r}.")


def fit_source(som: Any, data: Any, options: FitOptions) -> torch.Tensor | DataSource:
    """The samples of a fit: a checked tensor for in-memory data, else a data source.

    In a distributed fit a problem with this rank's data is reported to every rank (so
    none waits for it) before it is raised.
    """
    try:
        source = as_source(data, features=som.num_features, dtype=som.weights.dtype,
                           device=som.weights.device, batch_size=som.batch_size,
                           n_samples=options.n_samples,
                           check=lambda raw: som.internals.check_data(raw, missing=True))
    except (TypeError, ValueError) as exc:
        if options.distributed:
            collective = Collective(options.process_group)
            collective.agree(training_settings(som), f"{type(exc).__name__}: {exc}")
        raise
    return source.samples if isinstance(source, TensorSource) else source


def fit_control(som: Any, options: FitOptions | None, codebook: torch.Tensor,
                data: torch.Tensor | DataSource) -> FitControl | None:
    """The engine's :class:`FitControl` for ``options``; loads the codebook to resume."""
    if options is None or not options.active:
        return None
    settings = training_settings(som)
    collective = Collective(options.process_group) if options.distributed else None
    rank = 0 if collective is None else collective.rank
    keeper = None
    if options.checkpoint is not None:
        keeper = Checkpointer(options.checkpoint,
                              None if collective is not None else options.checkpoint_every,
                              _writer(som), rank)
        if collective is not None and isinstance(data, DataSource) and not data.reiterable:
            raise ValueError("a distributed fit with checkpoints needs re-iterable sources "
                             "(checkpoints are taken at the end of each pass).")
    resume = None
    path = options.resume_path()
    if path is not None:
        resume, weights = _read_checkpoint(path, settings, data,
                                           1 if collective is None else collective.world)
        with torch.no_grad():
            codebook.copy_(weights.reshape(codebook.shape).to(codebook))
    return FitControl(collective=collective, checkpointer=keeper, resume=resume,
                      settings=settings)


def _source_info(data: torch.Tensor | DataSource) -> dict[str, Any]:
    source = data if isinstance(data, DataSource) else TensorSource(data)
    return {"kind": source.kind, "n_samples": source.n_samples}


def _read_checkpoint(path: Any, settings: dict[str, str], data: torch.Tensor | DataSource,
                     world: int) -> tuple[FitState, torch.Tensor]:
    """The fit state and the weights stored in a checkpoint (checked against this fit)."""
    metadata, tensors = read_entries(path)
    state = FitState.from_entries(path, metadata, tensors)
    check_resumable(state, settings, _source_info(data), world, path)
    return state, tensors["weights"]


def _writer(som: Any):
    """``write(path, state)``: the map, with the fit's history so far, plus the state."""

    def write(path: Any, state: FitState) -> None:
        history = (som.quantization_errors_, som.topographic_errors_, som.epochs_trained_)
        som.quantization_errors_ = history[0] + list(state.quantization)
        som.topographic_errors_ = history[1] + list(state.topographic)
        som.epochs_trained_ = history[2] + len(state.quantization)
        try:
            metadata, tensors = state.entries()
            save_som(som, path, extra_metadata=metadata, extra_tensors=tensors)
        finally:
            som.quantization_errors_, som.topographic_errors_, som.epochs_trained_ = history

    return write


class PartialFit:
    """``partial_fit``'s run between calls: epochs of ``n_samples`` samples each.

    Parameters
    ----------
    som : SOM
    n_samples : int
        Samples per epoch.
    first : torch.Tensor
        The first batch (its mean is the reference point of the run).
    """

    def __init__(self, som: Any, n_samples: int, first: torch.Tensor) -> None:
        self.n_samples = n_samples
        plan = som.internals.fit_plan(False)
        self.codebook = som.weights.detach().reshape(som.x * som.y, som.num_features)
        center = reference_point(first) if plan.cross_distance is euclidean_cross else None
        self.run = Run(plan, self.codebook, center, som.batch_size,
                       epoch_size=lambda epoch: n_samples)
        self.reported = 0
        self.left = self.codebook.clone()

    def feed(self, som: Any, samples: torch.Tensor) -> None:
        """Train on ``samples``; on any exception the map and the run are as before."""
        run = self.run
        if not torch.equal(self.codebook, self.left):  # the weights were set from outside
            rule = run.rule
            if hasattr(rule, "codebook_t"):
                shifted = self.codebook if run.center is None else self.codebook - run.center
                rule.load_state({"codebook_t": shifted.t()})
        with run.context():
            snapshot = run.snapshot()
            try:
                run.feed(samples)
                run.rule.write_codebook(self.codebook)
                run.check_finite()
            except BaseException:
                run.restore(snapshot)
                raise
        q_list, t_list = run.tally.result()
        som.quantization_errors_.extend(q_list[self.reported:])
        som.topographic_errors_.extend(t_list[self.reported:])
        som.epochs_trained_ += len(q_list) - self.reported
        self.reported = len(q_list)
        self.left = self.codebook.clone()


def partial_fit(som: Any, batch: Any, n_samples: int | None) -> None:
    """Train ``som`` on one batch with a schedule that runs over the samples seen (see
    ``SOM.partial_fit``)."""
    if n_samples is not None:
        check_int("n_samples", n_samples, 1)
    internals = som.internals
    samples = internals.check_data(batch, name="batch")
    state = internals.partial_run
    if state is None:
        if n_samples is None:
            raise ValueError(
                "partial_fit needs n_samples=<samples per epoch> on its first call: the "
                "learning-rate and sigma schedules advance one epoch every n_samples "
                "samples, over the map's epochs."
            )
        state = PartialFit(som, int(n_samples), samples)
        internals.partial_run = state
    elif n_samples is not None and int(n_samples) != state.n_samples:
        raise ValueError(f"n_samples={n_samples} differs from the n_samples={state.n_samples} "
                         "given on the first partial_fit call; leave it out on later calls "
                         "(call fit, or initialize_weights, to start a new schedule).")
    state.feed(som, samples)
    internals.weights_changed()

