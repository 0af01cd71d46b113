"""Building the online rule and the masked (missing-value) rules of a fit.

:func:`~torchsom._engine.driver.build_rule` hands over here when the plan asks for the
online rule, or when the data holds NaN and the plan allows missing values.
"""

from __future__ import annotations

from typing import Any

import torch

from torchsom._engine.masked import MaskedBatchRule, MaskedMinibatchRule, MaskedOnlineRule
from torchsom._engine.online import OnlineRule
from torchsom._engine.ops import ArrayOps
from torchsom._engine.selection import choose_ops, minibatch_threads
from torchsom.functional.bmu import reference_point
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.masked import observed_mean

__all__ = ["build_variant_rule"]


def build_variant_rule(plan: Any, codebook: torch.Tensor, samples: torch.Tensor,
                       masked: bool) -> tuple[ArrayOps, Any, int]:
    """The backend, the rule and the thread count of an online or a masked fit.

    Parameters
    ----------
    plan : FitPlan
    codebook : torch.Tensor
        Shape (n_neurons, F).
    samples : torch.Tensor
        Shape (n_samples, F); NaN where missing when ``masked``.
    masked : bool
        The data holds NaN: use the masked rules (euclidean distance only).

    Raises
    ------
    ValueError
        Missing values with a distance other than the euclidean, or the online rule
        without a per-step schedule.
    """
    n_neurons, features = codebook.shape
    euclid = plan.cross_distance is euclidean_cross
    if masked and not euclid:
        raise ValueError(
            "training on data with missing values (NaN) needs distance_function="
            "'euclidean'; impute the data first to use another distance."
        )
    if masked:
        center = observed_mean(samples)
    else:
        center = reference_point(samples) if euclid else None
    ops = choose_ops(codebook.device, codebook.dtype, n_neurons, plan.backend)
    if plan.algorithm == "online":
        if plan.step_schedule is None:
            raise ValueError("the online rule needs a per-step schedule (plan.step_schedule)")
        rule_class = MaskedOnlineRule if masked else OnlineRule
        rule = rule_class(ops, plan.grid, plan.neighborhood, codebook, center,
                          None if euclid else plan.cross_distance, plan.step_schedule,
                          total_steps=plan.epochs * samples.shape[0])
        return ops, rule, plan.threads or 1  # one sample at a time: one thread
    if plan.algorithm == "batch":
        threads = plan.threads or torch.get_num_threads()
        return ops, MaskedBatchRule(ops, codebook, center), threads
    batch = min(plan.batch_size, samples.shape[0])
    rule = MaskedMinibatchRule(ops, plan.grid, codebook, batch, center)
    threads = plan.threads or minibatch_threads(ops, batch, n_neurons, 2 * features,
                                                codebook.dtype)
    return ops, rule, threads
