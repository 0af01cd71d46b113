"""The online rule's per-step tables (torchsom/_engine/step_tables.py): schedules for a
block of steps, and the neighbourhood as a table over offsets from the BMU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom._engine.ops import NumpyOps
from torchsom._engine.step_tables import StepNeighbourhood, decay_values, per_step_schedule
from torchsom.functional.decay import asymptotic_decay
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.functional.smoothing import GridIndex, negligible_weight
from torchsom.topology.coordinates import grid_distance_sq, grid_periods, grid_positions


def test_decay_values_vectorised_and_step_by_step():
    steps = np.arange(7)
    expected = [asymptotic_decay(0.5, int(t), 7) for t in steps]
    np.testing.assert_array_equal(decay_values(asymptotic_decay, 0.5, steps, 7), expected)

    def scalar_only(value, t, max_iter):
        return value if t < 3 else value / 2  # ``if`` on an array raises: per-step path

    np.testing.assert_array_equal(decay_values(scalar_only, 1.0, steps, 7),
                                  [1, 1, 1, 0.5, 0.5, 0.5, 0.5])
    constant = decay_values(lambda v, t, m: v, 0.3, steps, 7)  # a scalar for any t
    np.testing.assert_array_equal(constant, np.full(7, 0.3))


def test_per_step_schedule_evaluates_both_decays_at_every_step():
    schedule = per_step_schedule(asymptotic_decay, 0.8, asymptotic_decay, 3.0)
    steps = np.arange(10, 15)
    rates, sigmas = schedule(steps, 40)
    np.testing.assert_allclose(rates, [asymptotic_decay(0.8, int(t), 40) for t in steps])
    np.testing.assert_allclose(sigmas, [asymptotic_decay(3.0, int(t), 40) for t in steps])


def _grid(x, y, topology, pbc):
    rows, cols = grid_positions(x, y, topology, dtype=torch.float64)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)
    periods = grid_periods(x, y, topology) if pbc else None
    return GridIndex(x, y, topology, positions, periods), positions, periods


def _weights_at(tables, step, bmu, x, y, hexagonal):
    """The (x, y) weights of ``bmu`` at ``step`` sliced from the offset tables."""
    r, c = divmod(bmu, y)
    rows = slice(x - 1 - r, 2 * x - 1 - r)
    cols = slice(y - 1 - c, 2 * y - 1 - c)
    if len(tables) == 2:
        return tables[0][step, rows, 0, 0][:, None] * tables[1][step, cols, 0][None, :]
    return tables[0][step, r % 2 if hexagonal else 0, rows, cols, 0]


def test_offset_tables_equal_the_kernel_on_grid_distances():
    """Every BMU's slice of the offset tables is lr · h(d(bmu, n); σ), on both grids and
    tori; the reach covers every non-zero weight."""
    x, y = 6, 5
    for topology, pbc, name in (("rectangular", False, "gaussian"),
                                ("rectangular", True, "gaussian"),
                                ("hexagonal", False, "gaussian"),
                                ("hexagonal", True, "bubble")):
        grid, positions, periods = _grid(x, y, topology, pbc)
        kernel = NEIGHBORHOOD_FUNCTIONS[name]
        tables_of = StepNeighbourhood(grid, kernel, torch.float64)
        rates, sigmas = np.array([0.5, 0.25]), np.array([1.3, 0.7])
        ops = NumpyOps(torch.device("cpu"))
        tables, row_reach, col_reach = tables_of.tables(ops, rates, sigmas)
        for step in range(2):
            for bmu in (0, 7, x * y - 1):
                dist_sq = grid_distance_sq(positions, torch.tensor([bmu]), periods)[0]
                expected = rates[step] * kernel(dist_sq, float(sigmas[step])).numpy()
                expected[np.abs(expected) < rates[step] * np.finfo(np.float64).eps / 2] = 0
                got = _weights_at(tables, step, bmu, x, y, grid.hex)
                np.testing.assert_allclose(got.reshape(-1), expected, rtol=1e-12, atol=1e-15)
                r, c = divmod(bmu, y)
                nonzero = np.argwhere(got != 0)
                if not pbc:
                    assert np.abs(nonzero[:, 0] - r).max() <= row_reach[step]
                    assert np.abs(nonzero[:, 1] - c).max() <= col_reach[step]


def test_the_gaussian_factorises_on_rectangular_grids_only():
    kernel = NEIGHBORHOOD_FUNCTIONS["gaussian"]
    assert StepNeighbourhood(_grid(5, 4, "rectangular", False)[0], kernel, torch.float32).factored
    assert not StepNeighbourhood(_grid(5, 4, "hexagonal", False)[0], kernel,
                                 torch.float32).factored
    bubble = NEIGHBORHOOD_FUNCTIONS["bubble"]
    assert not StepNeighbourhood(_grid(5, 4, "rectangular", False)[0], bubble,
                                 torch.float32).factored


@pytest.mark.parametrize("name", ["gaussian", "bubble", "mexican_hat"])
def test_reach_is_the_last_offset_with_weight(name):
    x, y = 5, 4
    tables_of = StepNeighbourhood(_grid(x, y, "rectangular", False)[0],
                                  NEIGHBORHOOD_FUNCTIONS[name], torch.float32)
    sigmas = np.array([0.3, 1.0, 2.5])
    _, row_reach, col_reach = tables_of.tables(NumpyOps(torch.device("cpu")), np.ones(3),
                                               sigmas)
    floor = negligible_weight(torch.float32)
    rows = torch.arange(x, dtype=torch.float64)[:, None]
    cols = torch.arange(y, dtype=torch.float64)[None, :]
    for step, sigma in enumerate(sigmas):
        # offsets (row, col) from the BMU whose weight survives the negligible floor
        kept = NEIGHBORHOOD_FUNCTIONS[name](rows**2 + cols**2, float(sigma)).abs() >= floor
        assert row_reach[step] == int(torch.nonzero(kept)[:, 0].max())
        assert col_reach[step] == int(torch.nonzero(kept)[:, 1].max())


def test_a_user_kernel_is_evaluated_step_by_step():
    def flat_top(dist_sq, sigma):
        return (dist_sq <= sigma * sigma).to(dist_sq.dtype) * 0.5

    x, y = 5, 4
    tables_of = StepNeighbourhood(_grid(x, y, "hexagonal", False)[0], flat_top, torch.float64)
    assert not tables_of.vectorised
    (weights,), _, _ = tables_of.tables(NumpyOps(torch.device("cpu")), np.array([1.0]),
                                        np.array([1.0]))
    assert weights[0, 0, x - 1, y - 1, 0] == 0.5  # the BMU's own offset
    assert np.count_nonzero(weights[0, 0]) == 7  # itself and its six neighbours
