"""The plan of a fit and the rule, backend and thread count that follow from it."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from torchsom import SOM
from torchsom._engine.ops import NumpyOps, TorchOps
from torchsom._engine.plan import FitControl, FitPlan, PastTheEnd, build_rule, has_missing
from torchsom._engine.rules import BatchRule, MinibatchRule
from torchsom.functional.distances import CROSS_DISTANCE_FUNCTIONS

F = 3


def _plan(**changes) -> FitPlan:
    som = SOM(4, 5, F, epochs=2, batch_size=6, device="cpu", random_seed=0)
    return dataclasses.replace(som._fit_plan(), **changes)


def _codebook() -> torch.Tensor:
    return torch.randn(20, F, generator=torch.Generator().manual_seed(1))


def test_a_map_plans_its_own_settings() -> None:
    som = SOM(4, 5, F, epochs=7, batch_size=6, algorithm="batch", sigma=2.0,
              learning_rate=0.3, device="cpu")
    plan = som._fit_plan()
    assert (plan.algorithm, plan.epochs, plan.batch_size) == ("batch", 7, 6)
    assert plan.schedule(0) == pytest.approx((0.3, 2.0))
    assert (plan.backend, plan.threads, plan.missing_values) == (None, None, "error")
    assert plan.cross_distance is CROSS_DISTANCE_FUNCTIONS["euclidean"]


@pytest.mark.parametrize(("algorithm", "rule"), [("minibatch", MinibatchRule),
                                                 ("batch", BatchRule)])
@pytest.mark.parametrize(("backend", "ops"), [("numpy", NumpyOps), ("torch", TorchOps)])
def test_the_algorithm_and_backend_choose_the_rule(algorithm, rule, backend, ops) -> None:
    codebook = _codebook()
    chosen_ops, chosen, threads = build_rule(_plan(algorithm=algorithm, backend=backend,
                                                   threads=1), codebook,
                                             codebook.mean(0), 6)
    assert isinstance(chosen_ops, ops) and isinstance(chosen, rule) and threads == 1


def test_forced_threads_are_kept() -> None:
    codebook = _codebook()
    for algorithm in ("minibatch", "batch"):
        _, _, threads = build_rule(_plan(algorithm=algorithm, threads=3), codebook, None, 6)
        assert threads == 3
    _, _, threads = build_rule(_plan(algorithm="batch"), codebook, None, 6)
    assert threads == torch.get_num_threads()  # the batch rule uses what torch has


def test_missing_values_count_only_when_the_plan_ignores_them() -> None:
    holes = torch.tensor([[1.0, float("nan"), 0.0]])
    assert has_missing(_plan(missing_values="ignore"), holes)
    assert not has_missing(_plan(missing_values="ignore"), torch.zeros(2, F))
    assert not has_missing(_plan(), holes)  # "error": validation rejects NaN before


def test_controls_default_to_one_plain_process() -> None:
    control = FitControl()
    assert (control.collective, control.checkpointer, control.resume) == (None, None, None)
    assert control.settings == {} and control.settings is not FitControl().settings


def test_past_the_end_is_a_value_error() -> None:
    assert issubclass(PastTheEnd, ValueError)
