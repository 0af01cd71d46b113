"""What a fit is asked to do: the plan, the controls beyond one in-memory process, and the
choice of rule and backend that follows from them (:func:`build_rule`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from torchsom._engine.checkpoint import Checkpointer, FitState
from torchsom._engine.distributed import Collective
from torchsom._engine.ops import ArrayOps
from torchsom._engine.rules import BatchRule, MinibatchRule
from torchsom._engine.selection import choose_ops, minibatch_threads
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.metrics import EpochErrors
from torchsom.functional.smoothing import GridIndex

__all__ = ["FitPlan", "FitControl", "PastTheEnd", "build_rule", "has_missing"]


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


def has_missing(plan: FitPlan, samples: torch.Tensor) -> bool:
    """Whether ``samples`` hold NaN that the plan treats as missing values."""
    return plan.missing_values == "ignore" and bool(torch.isnan(samples).any())
