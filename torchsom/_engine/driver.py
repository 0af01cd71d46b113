"""The fit driver: epochs, schedules, shuffling and per-epoch errors around one rule.

:func:`train_epochs` is the single path every fit takes. It picks the array backend and
the thread count once (:mod:`torchsom._engine.selection`), builds the rule
(:mod:`torchsom._engine.rules`), and for each epoch stages the data, feeds it to the
rule batch by batch, and records the errors the rule's own searches found.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from torchsom._engine.ops import ArrayOps, TorchOps
from torchsom._engine.rules import BatchRule, MinibatchRule
from torchsom._engine.selection import choose_ops, minibatch_threads
from torchsom._engine.variants import build_variant_rule
from torchsom.functional.bmu import reference_point
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.metrics import EpochErrors
from torchsom.functional.smoothing import GridIndex, GridKernel

__all__ = ["FitPlan", "train_epochs", "build_rule"]


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


def build_rule(plan: FitPlan, codebook: torch.Tensor, samples: torch.Tensor,
               ) -> tuple[ArrayOps, MinibatchRule | BatchRule, int]:
    """The backend, the rule and the thread count of one fit.

    Parameters
    ----------
    plan : FitPlan
    codebook : torch.Tensor
        Shape (n_neurons, F).
    samples : torch.Tensor
        Shape (n_samples, F): the data (for the reference point).
    """
    masked = plan.missing_values == "ignore" and bool(torch.isnan(samples).any())
    if masked or plan.algorithm == "online":
        return build_variant_rule(plan, codebook, samples, masked)  # online, masked rules
    n_neurons, features = codebook.shape
    euclid = plan.cross_distance is euclidean_cross
    center = reference_point(samples) if euclid else None
    ops = choose_ops(codebook.device, codebook.dtype, n_neurons, plan.backend)
    if plan.algorithm == "batch":
        threads = plan.threads or torch.get_num_threads()
        return ops, BatchRule(ops, codebook, center, plan.cross_distance), threads
    batch = min(plan.batch_size, samples.shape[0])
    rule = MinibatchRule(ops, plan.grid, codebook, batch, center,
                         None if euclid else plan.cross_distance)
    threads = plan.threads or minibatch_threads(ops, batch, n_neurons, features,
                                                codebook.dtype)
    return ops, rule, threads


def train_epochs(plan: FitPlan, codebook: torch.Tensor,
                 samples: torch.Tensor) -> tuple[list[float], list[float]]:
    """Run ``plan.epochs`` epochs on ``samples``, updating ``codebook`` in place.

    Parameters
    ----------
    plan : FitPlan
    codebook : torch.Tensor
        Shape (n_neurons, F), updated in place.
    samples : torch.Tensor
        Shape (n_samples, F), on the codebook's device and in its dtype.

    Returns
    -------
    quantization_errors, topographic_errors : list of float
        Per epoch (TE in percent).

    Raises
    ------
    FloatingPointError
        When training produced non-finite weights (the caller restores them).
    """
    ops, rule, threads = build_rule(plan, codebook, samples)
    n = samples.shape[0]
    batch_rule = isinstance(rule, BatchRule)
    step = n if batch_rule else rule.batch_size  # the batch rule's search chunks itself
    sample_sq = None if batch_rule else rule.sample_squares(samples)
    bar = tqdm(range(plan.epochs), desc="Training SOM", unit="epoch",
               disable=not plan.verbose, leave=True)
    with ops.threads(threads), torch.no_grad():
        # the batch rule is torch arithmetic around a (possibly numpy) search
        record = TorchOps(codebook.device) if batch_rule else ops
        for epoch in bar:
            learning_rate, sigma = plan.schedule(epoch)
            kernel = GridKernel(plan.grid, plan.neighborhood, max(sigma, 1e-12),
                                codebook.dtype)
            rule.begin(learning_rate, kernel)
            if batch_rule:
                staged, order = samples, None
            else:
                order = torch.randperm(n, generator=plan.generator).to(samples.device)
                staged = rule.stage(samples, order)
            best = record.empty((n,), codebook.dtype, index=True)
            second = record.empty((n,), codebook.dtype, index=True)
            value = record.empty((n,), codebook.dtype)
            for start in range(0, n, step):
                stop = min(start + step, n)
                rule.step(staged[start:stop], best[start:stop], value[start:stop],
                          second[start:stop])
            rule.end(codebook)
            squares = None if sample_sq is None else ops.take(sample_sq, ops.array(order), 0)
            distance = record.tensor(rule.distances(value, squares))
            best_two = torch.stack((record.tensor(best), record.tensor(second)), dim=1)
            plan.errors.add(distance, best_two if codebook.shape[0] > 1 else best_two[:, :1])
            if plan.verbose:
                quantization, topographic = plan.errors.latest()
                bar.set_postfix(QE=f"{quantization:.4f}", TE=f"{topographic:.2f}%",
                                refresh=False)
        q_list, t_list = plan.errors.result()
    if not all(math.isfinite(v) for v in q_list) or not bool(torch.isfinite(codebook).all()):
        raise FloatingPointError(
            "training produced non-finite weights; reduce learning_rate or rescale the "
            "data (standardising features usually helps)."
        )
    return q_list, t_list

