"""The online rule against a naive float64 reference written from its definition.

The reference steps through the samples one at a time: brute-force distances to every
neuron, the neighbourhood from grid distances with sigma and learning rate decayed per
step over ``epochs × n`` steps, the update ``w ← w + lr·h·(x − w)``. It shares no code
with the engine beyond the grid geometry and the registry kernels. Both array backends are
forced in turn; tests marked ``gpu`` repeat the torch backend on CUDA.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchsom._engine.online as online
from torchsom import SOM
from torchsom._engine import FitPlan, train_epochs
from torchsom._engine.online import OnlineRule, per_step_schedule
from torchsom._engine.variants import build_variant_rule
from torchsom.functional.decay import (
    asymptotic_decay,
    lr_linear_decay_to_zero,
    sig_inverse_decay_to_one,
)
from torchsom.functional.distances import CROSS_DISTANCE_FUNCTIONS
from torchsom.functional.metrics import EpochErrors, non_adjacent
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS, elementwise
from torchsom.functional.smoothing import GridIndex
from torchsom.topology.coordinates import (
    adjacency_threshold,
    grid_distance_sq,
    grid_periods,
    grid_positions,
)

# sigma never equals a grid distance exactly in these runs (with 2.0 it is 1.0 at step T/2,
# where the bubble's edge on a hexagonal grid is a matter of the last bit)
LR, SIGMA, EPOCHS = 0.6, 2.1, 2
X, Y = 5, 4
SCHEDULE = per_step_schedule(asymptotic_decay, LR, asymptotic_decay, SIGMA)


def reference_online(codebook, data, orders, positions, periods, kernel, cross,
                     schedule=SCHEDULE, topology="rectangular"):
    """The rule from its definition, float64; returns weights, per-epoch QE and TE."""
    weights, samples = codebook.double().clone(), data.double()
    neighbourhood_sq = grid_distance_sq(positions.double(), torch.arange(weights.shape[0]),
                                        periods)
    total = len(orders) * len(data)
    lrs, sigmas = schedule(np.arange(total), total)
    step, quantization, topographic = 0, [], []
    for order in orders:
        distances, wrong = [], []
        for index in order.tolist():
            x = samples[index : index + 1]
            found = cross(x, weights)[0]
            best, second = torch.topk(found, 2, largest=False).indices.tolist()
            distances.append(float(found[best]))
            wrong.append(bool(non_adjacent(torch.tensor([best]), torch.tensor([second]),
                                           positions, adjacency_threshold(topology),
                                           periods)[0]))
            h = elementwise(kernel)(neighbourhood_sq[best], float(sigmas[step]))
            weights = weights + float(lrs[step]) * h[:, None] * (x - weights)
            step += 1
        quantization.append(float(np.mean(distances)))
        topographic.append(100.0 * float(np.mean(wrong)))
    return weights, quantization, topographic


def _grid(topology, pbc, dtype=torch.float64, device="cpu", x=X, y=Y):
    rows, cols = grid_positions(x, y, topology, dtype=dtype, device=device)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)
    periods = grid_periods(x, y, topology) if pbc else None
    return positions, periods


def engine_online(codebook, data, topology, pbc, kernel, cross, backend, device="cpu",
                  schedule=SCHEDULE, x=X, y=Y):
    positions, periods = _grid(topology, pbc, data.dtype, device, x, y)
    plan = FitPlan(
        algorithm="online", epochs=EPOCHS, batch_size=1, schedule=lambda epoch: (LR, SIGMA),
        neighborhood=kernel, cross_distance=cross,
        grid=GridIndex(x, y, topology, positions, periods),
        errors=EpochErrors(positions, adjacency_threshold(topology), periods),
        generator=torch.Generator().manual_seed(3), backend=backend, step_schedule=schedule,
    )
    trained = codebook.clone().to(device)
    quantization, topographic = train_epochs(plan, trained, data.to(device))
    return trained.cpu(), quantization, topographic


def _orders(n):
    generator = torch.Generator().manual_seed(3)  # the driver's shuffling, replayed
    return [torch.randperm(n, generator=generator) for _ in range(EPOCHS)]


def _online_plan(grid, positions, epochs=1, **extra):
    """A plan for the online rule on a rectangular gaussian map (``extra``: more fields)."""
    return FitPlan(algorithm="online", epochs=epochs, batch_size=1,
                   schedule=lambda e: (LR, SIGMA), neighborhood=NEIGHBORHOOD_FUNCTIONS["gaussian"],
                   cross_distance=CROSS_DISTANCE_FUNCTIONS["euclidean"], grid=grid,
                   errors=EpochErrors(positions, 1.5, None),
                   generator=torch.Generator().manual_seed(0), **extra)


def _case(dtype=torch.float64, n=37, features=3, offset=0.0, neurons=X * Y):
    gen = torch.Generator().manual_seed(0)
    data = torch.randn(n, features, generator=gen, dtype=torch.float64) + offset
    codebook = data[torch.randperm(n, generator=gen)[:neurons]] + 0.1 * torch.randn(
        neurons, features, generator=gen, dtype=torch.float64)
    return data.to(dtype), codebook.to(dtype)


def _check(topology="rectangular", pbc=False, kernel_name="gaussian", distance="euclidean",
           backend="numpy", dtype=torch.float64, device="cpu", offset=0.0, kernel=None,
           schedule=SCHEDULE):
    data, codebook = _case(dtype, offset=offset)
    kernel = kernel or NEIGHBORHOOD_FUNCTIONS[kernel_name]
    cross = CROSS_DISTANCE_FUNCTIONS[distance]
    trained, q, t = engine_online(codebook, data, topology, pbc, kernel, cross, backend,
                                  device, schedule)
    positions, periods = _grid(topology, pbc)
    expected, q_ref, t_ref = reference_online(codebook, data, _orders(len(data)), positions,
                                              periods, kernel, cross, schedule, topology)
    tolerance = 2e-4 if dtype == torch.float32 else 1e-9
    torch.testing.assert_close(trained.double(), expected, rtol=tolerance,
                               atol=tolerance * (1 + abs(offset)))
    np.testing.assert_allclose(q, q_ref, rtol=tolerance * 10, atol=tolerance * (1 + offset))
    np.testing.assert_allclose(t, t_ref, atol=1e-4)
    assert not torch.equal(trained, codebook)  # the comparison is not vacuous


GRIDS = [("rectangular", False), ("rectangular", True), ("hexagonal", False),
         ("hexagonal", True)]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize(("topology", "pbc"), GRIDS[:3])  # the hexagonal torus: below
@pytest.mark.parametrize("kernel_name", ["gaussian", "mexican_hat", "bubble", "triangle"])
def test_online_rule_matches_the_reference_on_every_grid(backend, topology, pbc,
                                                         kernel_name):
    _check(topology, pbc, kernel_name, backend=backend)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("kernel_name", ["gaussian", "bubble"])
def test_hexagonal_torus(backend, kernel_name):
    """A hexagonal torus needs an even row count: a 6×3 map."""
    data, codebook = _case(neurons=6 * 3)
    kernel = NEIGHBORHOOD_FUNCTIONS[kernel_name]
    cross = CROSS_DISTANCE_FUNCTIONS["euclidean"]
    trained, q, _ = engine_online(codebook, data, "hexagonal", True, kernel, cross, backend,
                                  x=6, y=3)
    positions, periods = _grid("hexagonal", True, x=6, y=3)
    expected, q_ref, _ = reference_online(codebook, data, _orders(len(data)), positions,
                                          periods, kernel, cross, topology="hexagonal")
    torch.testing.assert_close(trained.double(), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(q, q_ref, rtol=1e-8)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("distance", ["cosine", "manhattan", "chebyshev"])
def test_online_rule_with_other_distances(backend, distance):
    _check(distance=distance, backend=backend)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_float32_and_far_from_the_origin(backend):
    _check(backend=backend, dtype=torch.float32)
    _check(backend=backend, dtype=torch.float32, offset=1000.0)


def test_user_kernel_and_other_decay_functions():
    def window(dist_sq, sigma):  # a scalar-sigma-only callable: evaluated step by step
        return torch.clamp(1.0 - dist_sq / (float(sigma) ** 2 * 4.0), min=0.0)

    schedule = per_step_schedule(lr_linear_decay_to_zero, LR, sig_inverse_decay_to_one, SIGMA)
    _check(kernel=window, schedule=schedule)


def test_tables_split_into_blocks_when_large(monkeypatch):
    """A small table budget makes each step() call work through several table blocks; a
    small view cache is emptied many times over."""
    monkeypatch.setattr(online, "_TABLE_BUDGET", 200)
    monkeypatch.setattr(online, "_VIEW_CACHE", 3)
    _check(kernel_name="bubble")
    _check(topology="hexagonal", kernel_name="gaussian", backend="torch")


def test_step_counter_spans_epochs_and_blocks():
    data, codebook = _case()
    positions, periods = _grid("rectangular", False)
    grid = GridIndex(X, Y, "rectangular", positions, periods)
    seen = []

    def schedule(steps, total):
        seen.append((int(steps[0]), len(steps), total))
        return SCHEDULE(steps, total)

    plan = _online_plan(grid, positions, epochs=3, step_schedule=schedule)
    ops, rule, threads = build_variant_rule(plan, codebook, data, masked=False)
    assert isinstance(rule, OnlineRule) and threads == 1
    rule.batch_size = 10  # the driver feeds blocks of this size
    n = len(data)
    train_epochs_with(rule, plan, codebook, data)
    starts = [s for s, _, _ in seen]
    assert starts == sorted(starts) and starts[0] == 0
    assert sum(size for _, size, _ in seen) == 3 * n
    assert {total for _, _, total in seen} == {3 * n}


def train_epochs_with(rule, plan, codebook, data):
    """Feed ``rule`` the way the driver does, epoch by epoch, in blocks of its batch size."""
    n = len(data)
    for _ in range(plan.epochs):
        order = torch.randperm(n, generator=plan.generator)
        staged = rule.stage(data, order)
        best = np.empty(n, np.int64)
        value = np.empty(n, staged.dtype)
        second = np.empty(n, np.int64)
        for start in range(0, n, rule.batch_size):
            stop = min(start + rule.batch_size, n)
            rule.step(staged[start:stop], best[start:stop], value[start:stop],
                      second[start:stop])
        rule.end(codebook)


def test_online_rule_needs_a_step_schedule():
    data, codebook = _case()
    positions, periods = _grid("rectangular", False)
    plan = _online_plan(GridIndex(X, Y, "rectangular", positions, periods), positions)
    with pytest.raises(ValueError, match="per-step schedule"):
        train_epochs(plan, codebook.clone(), data)


def test_som_online_fit_is_deterministic_and_reports_errors():
    data = torch.randn(120, 4, generator=torch.Generator().manual_seed(1))
    maps = []
    for _ in range(2):
        som = SOM(4, 4, 4, epochs=3, algorithm="online", sigma=1.5, device="cpu",
                  random_seed=5)
        q, t = som.fit(data, verbose=False)
        assert len(q) == len(t) == 3 and q[-1] < q[0]
        assert all(0.0 <= v <= 100.0 for v in t)
        maps.append(som.weights.detach().clone())
    torch.testing.assert_close(maps[0], maps[1], rtol=0, atol=0)
    som.fit(data, verbose=True)  # the progress bar path
    assert som.epochs_trained_ == 6


def test_one_neuron_map_trains_online():
    data = torch.randn(30, 2, generator=torch.Generator().manual_seed(0))
    som = SOM(1, 1, 2, epochs=2, algorithm="online", device="cpu")
    q, t = som.fit(data, verbose=False)
    # a single neuron drifts to a running weighted mean of the data
    assert torch.linalg.norm(som.weights[0, 0] - data.mean(0)) < 0.6
    assert len(q) == 2 and all(np.isnan(t))  # as with every rule: no TE on one neuron


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize(("topology", "pbc"), GRIDS[:3])
def test_cuda_matches_the_reference(topology, pbc):
    _check(topology, pbc, backend="torch", device="cuda")


def test_stage_without_an_order_shifts_a_copy():
    """Staging rows as they are: ``x − c`` in a new block, the caller's samples untouched."""
    data, codebook = _case()
    positions, periods = _grid("rectangular", False)
    plan = _online_plan(GridIndex(X, Y, "rectangular", positions, periods), positions,
                        step_schedule=SCHEDULE)
    _, rule, _ = build_variant_rule(plan, codebook, data, masked=False)
    before = data.clone()
    staged = rule.stage(data)
    np.testing.assert_allclose(staged, (data - rule.center).numpy(), rtol=1e-12)
    assert torch.equal(data, before)
