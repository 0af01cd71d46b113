"""What a fit is asked to do (torchsom/_engine/plan.py): which rule and backend a plan
gets, and when NaN counts as missing values."""

from __future__ import annotations

import torch

from torchsom import SOM
from torchsom._engine.plan import build_rule, has_missing
from torchsom._engine.rules import BatchRule, MinibatchRule


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
