"""The online rule's per-step tables: the schedule, and the neighbourhood of a BMU read
from one table of offsets, against the kernel evaluated directly in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from torchsom._engine.ops import NumpyOps
from torchsom._engine.step_tables import StepNeighbourhood, per_step_schedule
from torchsom.functional.decay import asymptotic_decay, lr_linear_decay_to_zero
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.functional.smoothing import GridIndex, negligible_weight

OPS = NumpyOps(torch.device("cpu"))
X, Y = 5, 4


def _positions(topology: str) -> torch.Tensor:
    """Neuron positions (x·y, 2), float64; odd hexagonal rows shift right by ½."""
    row = torch.arange(X, dtype=torch.float64).repeat_interleave(Y)
    col = torch.arange(Y, dtype=torch.float64).repeat(X)
    if topology == "hexagonal":
        col, row = col + 0.5 * (row % 2), row * math.sqrt(3) / 2
    return torch.stack((row, col), 1)


def _grid(topology: str, pbc: bool) -> GridIndex:
    periods = None
    if pbc:
        periods = (X * (math.sqrt(3) / 2 if topology == "hexagonal" else 1.0), float(Y))
    return GridIndex(X, Y, topology, _positions(topology).float(), periods)


def _reference(grid: GridIndex, name: str, bmu: int, lr: float, sigma: float) -> torch.Tensor:
    """lr · kernel(grid distance² from the BMU) over the grid, float64, (x, y)."""
    positions = _positions(grid.topology)
    delta = positions - positions[bmu]
    if grid.periods is not None:
        periods = torch.tensor(grid.periods, dtype=torch.float64)
        delta = delta - periods * torch.round(delta / periods)
    dist_sq = (delta * delta).sum(1)
    return (lr * NEIGHBORHOOD_FUNCTIONS[name](dist_sq, sigma)).reshape(X, Y)


def test_per_step_schedule_evaluates_the_decays_at_every_step() -> None:
    schedule = per_step_schedule(lr_linear_decay_to_zero, 0.8, asymptotic_decay, 2.0)
    steps = np.array([0, 3, 9])
    rates, sigmas = schedule(steps, 10)
    assert rates.dtype == sigmas.dtype == np.float64
    np.testing.assert_allclose(rates, [lr_linear_decay_to_zero(0.8, t, 10) for t in steps])
    np.testing.assert_allclose(sigmas, [asymptotic_decay(2.0, t, 10) for t in steps])


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("pbc", [False, True])
@pytest.mark.parametrize("name", ["gaussian", "bubble", "mexican_hat"])
def test_the_slice_of_a_bmu_is_its_neighbourhood(topology: str, pbc: bool, name: str) -> None:
    grid = _grid(topology, pbc)
    tables = StepNeighbourhood(grid, NEIGHBORHOOD_FUNCTIONS[name], torch.float64)
    rates, sigmas = np.array([0.9, 0.4]), np.array([1.3, 0.6])
    out, row_reach, col_reach = tables.tables(OPS, rates, sigmas)
    floor = negligible_weight(torch.float64)
    for step in range(2):
        for bmu in range(X * Y):
            r, c = divmod(bmu, Y)
            rows = slice(X - 1 - r, 2 * X - 1 - r)
            cols = slice(Y - 1 - c, 2 * Y - 1 - c)
            if tables.factored:
                row_part, col_part = out
                got = row_part[step, rows, 0, 0][:, None] * col_part[step, cols, 0][None, :]
            else:
                got = out[0][step, r % 2 if grid.hex else 0, rows, cols, 0]
            expected = _reference(grid, name, bmu, rates[step], sigmas[step])
            np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12,
                                       atol=floor * rates[step])
        if pbc:
            assert (row_reach[step], col_reach[step]) == (X, Y)  # the whole torus


def test_the_gaussian_factorises_on_rectangular_grids_only() -> None:
    kernel = NEIGHBORHOOD_FUNCTIONS["gaussian"]
    assert StepNeighbourhood(_grid("rectangular", False), kernel, torch.float32).factored
    assert not StepNeighbourhood(_grid("hexagonal", False), kernel, torch.float32).factored
    bubble = NEIGHBORHOOD_FUNCTIONS["bubble"]
    assert not StepNeighbourhood(_grid("rectangular", False), bubble, torch.float32).factored


@pytest.mark.parametrize("name", ["gaussian", "bubble"])
def test_reach_is_the_last_offset_with_weight(name: str) -> None:
    tables = StepNeighbourhood(_grid("rectangular", False), NEIGHBORHOOD_FUNCTIONS[name],
                               torch.float32)
    sigmas = np.array([0.3, 1.0, 2.5])
    _, row_reach, col_reach = tables.tables(OPS, np.ones(3), sigmas)
    floor = negligible_weight(torch.float32)
    for step, sigma in enumerate(sigmas):
        weights = NEIGHBORHOOD_FUNCTIONS[name](torch.arange(X, dtype=torch.float64) ** 2,
                                               float(sigma))
        expected = int(torch.nonzero(weights >= floor).max())  # along one axis from the BMU
        assert row_reach[step] == expected
        assert col_reach[step] == min(expected, Y - 1)


def test_a_user_kernel_is_evaluated_step_by_step() -> None:
    def flat_top(dist_sq: torch.Tensor, sigma: float) -> torch.Tensor:
        return (dist_sq <= sigma * sigma).to(dist_sq.dtype) * 0.5

    tables = StepNeighbourhood(_grid("hexagonal", False), flat_top, torch.float64)
    assert not tables.vectorised
    (weights,), _, _ = tables.tables(OPS, np.array([1.0]), np.array([1.0]))
    centre = weights[0, 0, X - 1, Y - 1, 0]  # the BMU's own offset
    assert centre == 0.5 and float(np.count_nonzero(weights[0, 0])) == 7  # itself + 6
