"""Every backend of every rule against a naive float64 reference.

The reference is written from the definitions (brute-force distances, the neighbourhood
from grid distances, the update and the batch map as formulas), with no code shared with
the engine beyond the grid geometry and the registry kernels. The engine's backends are
forced in turn: numpy (the CPU host loop) and torch (the path CUDA takes, run here on the
CPU). Tests marked ``gpu`` repeat the torch backend on CUDA.
"""

from __future__ import annotations

import pytest
import torch

import torchsom._engine.rules as rules
from torchsom._engine import FitPlan, train_epochs
from torchsom.functional.distances import CROSS_DISTANCE_FUNCTIONS
from torchsom.functional.metrics import EpochErrors
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS, elementwise
from torchsom.functional.smoothing import GridIndex
from torchsom.topology.coordinates import (
    adjacency_threshold,
    grid_distance_sq,
    grid_periods,
    grid_positions,
)

SCHEDULE = [(0.8, 2.0), (0.5, 1.2), (0.3, 0.7)]


def reference_fit(codebook, data, orders, algorithm, batch, positions, periods, kernel, cross):
    """The rules from their definitions, in float64 (about 20 lines)."""
    weights, samples = codebook.double().clone(), data.double()
    every = torch.arange(weights.shape[0])
    neighbourhood_sq = grid_distance_sq(positions.double(), every, periods)  # (n, n)
    for (lr, sigma), order in zip(SCHEDULE, orders):
        h = elementwise(kernel)(neighbourhood_sq, sigma)  # h[bmu, neuron]
        if algorithm == "minibatch":
            for start in range(0, len(order), batch):
                x = samples[order[start : start + batch]]
                rows = h[cross(x, weights).argmin(dim=1)]  # (b, n)
                weights = weights + lr / len(x) * (rows.T @ x - rows.sum(0)[:, None] * weights)
        else:
            bmu = cross(samples, weights).argmin(dim=1)
            hits = torch.nn.functional.one_hot(bmu, weights.shape[0]).double()  # (m, n)
            numerator, denominator = h.T @ (hits.T @ samples), h.T @ hits.sum(0)
            target = numerator / denominator.clamp_min(1e-300)[:, None]
            moved = weights + min(lr, 1.0) * (target - weights)
            weights = torch.where(denominator[:, None] > 1e-12, moved, weights)
    return weights


def engine_fit(codebook, data, algorithm, batch, topology, pbc, kernel, cross, backend,
               threads=1, device="cpu"):
    x, y = 4, 5
    rows, cols = grid_positions(x, y, topology, dtype=data.dtype, device=device)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)
    periods = grid_periods(x, y, topology) if pbc else None
    plan = FitPlan(
        algorithm=algorithm, epochs=len(SCHEDULE), batch_size=batch,
        schedule=lambda epoch: SCHEDULE[epoch], neighborhood=kernel, cross_distance=cross,
        grid=GridIndex(x, y, topology, positions, periods),
        errors=EpochErrors(positions, adjacency_threshold(topology), periods),
        generator=torch.Generator().manual_seed(7), backend=backend, threads=threads,
    )
    trained = codebook.clone().to(device)
    q, t = train_epochs(plan, trained, data.to(device))
    return trained.cpu(), positions.cpu(), periods, (q, t)


def _orders(n: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(7)  # the engine's shuffling, replayed
    return [torch.randperm(n, generator=generator) for _ in SCHEDULE]


def _case(dtype, offset=0.0, n=41, features=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    data = torch.randn(n, features, generator=gen, dtype=torch.float64) + offset
    codebook = data[torch.randperm(n, generator=gen)[:20]] + 0.1 * torch.randn(
        20, features, generator=gen, dtype=torch.float64)
    return data.to(dtype), codebook.to(dtype)


def _check(dtype, algorithm, batch, topology, pbc, kernel_name, distance, backend,
           threads=1, device="cpu", offset=0.0):
    data, codebook = _case(dtype, offset)
    kernel, cross = NEIGHBORHOOD_FUNCTIONS[kernel_name], CROSS_DISTANCE_FUNCTIONS[distance]
    trained, positions, periods, _ = engine_fit(codebook, data, algorithm, batch, topology,
                                                pbc, kernel, cross, backend, threads, device)
    expected = reference_fit(codebook, data, _orders(len(data)), algorithm, batch,
                             positions, periods, kernel, cross)
    tolerance = 2e-4 if dtype == torch.float32 else 1e-9
    torch.testing.assert_close(trained.double(), expected, rtol=tolerance,
                               atol=tolerance * (1 + abs(offset)))


BACKENDS = ["numpy", "torch"]
GRIDS = [("rectangular", False), ("rectangular", True), ("hexagonal", False),
         ("hexagonal", True)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize(("topology", "pbc"), GRIDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rules_match_the_reference_on_every_grid(backend, algorithm, topology, pbc, dtype):
    _check(dtype, algorithm, 8, topology, pbc, "gaussian", "euclidean", backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize("kernel_name", ["gaussian", "mexican_hat", "bubble", "triangle"])
@pytest.mark.parametrize("distance", ["euclidean", "cosine", "manhattan", "chebyshev"])
def test_rules_match_the_reference_for_every_distance_and_neighbourhood(
        backend, algorithm, kernel_name, distance):
    _check(torch.float64, algorithm, 5, "rectangular", False, kernel_name, distance, backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(("algorithm", "batch"), [("minibatch", 1), ("minibatch", 16),
                                                  ("minibatch", 1000), ("batch", 0)])
def test_rules_match_the_reference_on_one_and_two_threads(backend, threads, algorithm, batch):
    _check(torch.float32, algorithm, max(batch, 1), "hexagonal", False, "gaussian",
           "euclidean", backend, threads)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_rules_match_the_reference_far_from_the_origin(backend, algorithm):
    _check(torch.float32, algorithm, 8, "rectangular", False, "gaussian", "euclidean",
           backend, offset=1000.0)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_hand_made_codebook_moves_as_computed_by_hand(backend, algorithm):
    """A 4×5 codebook placed on its own grid; one sample on each of two neurons."""
    rows, cols = grid_positions(4, 5, "rectangular", dtype=torch.float64)
    codebook = torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)  # w_n = position of n
    data = torch.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=torch.float64)  # neurons 0 and 19
    kernel = NEIGHBORHOOD_FUNCTIONS["bubble"]
    plan_codebook, _, _, (q, t) = engine_fit(codebook, data, algorithm, 2, "rectangular",
                                             False, kernel,
                                             CROSS_DISTANCE_FUNCTIONS["euclidean"], backend)
    assert q[0] == 0.0 and t[0] == 0.0  # both samples sit on a neuron: QE 0
    reference = reference_fit(codebook, data, _orders(2), algorithm, 2, codebook.clone(),
                              None, kernel, CROSS_DISTANCE_FUNCTIONS["euclidean"])
    torch.testing.assert_close(plan_codebook, reference)
    # bubble of radius 2 around each sample in epoch 0: the far corner neurons 4 and 15
    # are out of both reaches and keep their places in the first epoch at least
    assert not torch.equal(plan_codebook, codebook)


@pytest.fixture()
def smoothed(monkeypatch):
    """Force the mini-batch update through smoothed per-neuron sums on rectangular grids
    (whatever the batch) and count the steps that take it."""
    monkeypatch.setattr(rules, "smoothing_pays", lambda batch, grid, features: True)
    calls = {"count": 0}
    real = rules.smoothed_numerator

    def counted(*args):
        calls["count"] += 1
        return real(*args)

    monkeypatch.setattr(rules, "smoothed_numerator", counted)
    return calls


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("pbc", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("batch", "threads", "offset"), [(8, 1, 0.0), (41, 2, 0.0),
                                                           (6, 1, 1000.0)])
def test_smoothed_update_matches_the_reference(smoothed, backend, pbc, dtype, batch, threads,
                                               offset):
    """Batches of 8 (a partial last batch), one batch of all 41 samples, far data."""
    _check(dtype, "minibatch", batch, "rectangular", pbc, "gaussian", "euclidean", backend,
           threads, offset=offset)
    assert smoothed["count"] >= len(SCHEDULE)


def test_smoothed_update_is_not_taken_where_it_cannot_pay(smoothed):
    """Hexagonal grids and kernels that do not factorise keep the product, however
    cheap the cost model finds the smoothed update."""
    _check(torch.float64, "minibatch", 8, "hexagonal", False, "gaussian", "euclidean",
           "numpy")
    _check(torch.float64, "minibatch", 8, "rectangular", False, "bubble", "euclidean",
           "numpy")
    assert smoothed["count"] == 0


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_keeps_the_product_update(smoothed):
    """On CUDA the scatter-add of the smoothed update is not deterministic: not taken."""
    _check(torch.float32, "minibatch", 8, "rectangular", False, "gaussian", "euclidean",
           "torch", device="cuda")
    assert smoothed["count"] == 0


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize(("topology", "pbc"), GRIDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cuda_matches_the_reference(algorithm, topology, pbc, dtype):
    _check(dtype, algorithm, 8, topology, pbc, "gaussian", "euclidean", "torch",
           device="cuda")


@pytest.mark.parametrize(("features", "x", "y", "batch", "smoothed"), [
    (4, 50, 50, 256, True), (16, 50, 50, 256, True), (4, 25, 15, 256, True),
    (64, 25, 15, 256, True), (1024, 25, 15, 256, True), (1024, 10, 10, 256, True),
    (4, 10, 10, 256, False), (16, 10, 10, 256, False), (256, 25, 15, 64, False),
    (1024, 50, 50, 256, False), (300, 25, 15, 16, False), (4, 25, 15, 16, False)])
def test_the_update_cost_model_chooses_as_measured(features, x, y, batch, smoothed):
    """The shapes the model was fitted to (see ``rules``): faster ones take it."""
    rows, cols = grid_positions(x, y, "rectangular")
    grid = GridIndex(x, y, "rectangular", torch.stack((rows.reshape(-1), cols.reshape(-1)), 1),
                     None)
    assert rules.smoothing_pays(batch, grid, features) is smoothed
