"""What a fit is asked to do (torchsom/_engine/plan.py): which rule and backend a plan
gets, and when NaN counts as missing values."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from torchsom import SOM
from torchsom._engine.ops import NumpyOps, TorchOps
from torchsom._engine.plan import FitControl, PastTheEnd, build_rule, has_missing
from torchsom._engine.rules import BatchRule, MinibatchRule
from torchsom.functional.distances import CROSS_DISTANCE_FUNCTIONS


def _plan(**settings):
    som = SOM(4, 3, 2, epochs=2, device="cpu", random_seed=0, **settings)
    return som, som._fit_plan()


def test_build_rule_gives_each_algorithm_its_rule():
    for algorithm, kind in (("minibatch", MinibatchRule), ("batch", BatchRule)):
        som, plan = _plan(algorithm=algorithm)
        codebook = som.weights.detach().reshape(-1, 2)
        ops, rule, threads = build_rule(plan, codebook, codebook.mean(0), 8)
        assert isinstance(rule, kind) and threads >= 1
        assert ops.name in {"numpy", "torch"}


def test_nan_counts_as_missing_only_when_the_plan_ignores_missing_values():
    data = torch.tensor([[0.0, float("nan")], [1.0, 2.0]])
    _, strict = _plan()
    _, lenient = _plan(missing_values="ignore")
    assert not has_missing(strict, data)
    assert has_missing(lenient, data)
    assert not has_missing(lenient, torch.ones(3, 2))


def test_a_map_plans_its_own_settings():
    som = SOM(4, 5, 3, epochs=7, batch_size=6, algorithm="batch", sigma=2.0,
              learning_rate=0.3, device="cpu")
    plan = som._fit_plan()
    assert (plan.algorithm, plan.epochs, plan.batch_size) == ("batch", 7, 6)
    assert plan.schedule(0) == pytest.approx((0.3, 2.0))
    assert (plan.backend, plan.threads, plan.missing_values) == (None, None, "error")
    assert plan.cross_distance is CROSS_DISTANCE_FUNCTIONS["euclidean"]


@pytest.mark.parametrize(("backend", "kind"), [("numpy", NumpyOps), ("torch", TorchOps)])
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_a_forced_backend_and_thread_count_are_kept(backend, kind, algorithm):
    som, plan = _plan(algorithm=algorithm)
    plan = dataclasses.replace(plan, backend=backend, threads=3)
    codebook = som.weights.detach().reshape(-1, 2)
    ops, _, threads = build_rule(plan, codebook, codebook.mean(0), 8)
    assert isinstance(ops, kind) and threads == 3


def test_controls_default_to_one_plain_process():
    control = FitControl()
    assert (control.collective, control.checkpointer, control.resume) == (None, None, None)
    assert control.settings == {} and control.settings is not FitControl().settings


def test_past_the_end_is_a_value_error():
    assert issubclass(PastTheEnd, ValueError)
