"""Grid kernels: neighbourhood rows and smoothing over the grid, with and without
lookup tables."""

from __future__ import annotations

import pytest
import torch

from torchsom.functional import smoothing
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.functional.smoothing import GridIndex, GridKernel
from torchsom.topology import grid_distance_sq, grid_periods, grid_positions


@pytest.mark.parametrize("pbc", [False, True])
def test_rectangular_gaussian_rows_without_lookup_tables(monkeypatch, pbc: bool) -> None:
    x, y = 5, 7
    row, col = grid_positions(x, y)
    positions = torch.stack((row.reshape(-1), col.reshape(-1)), 1)
    periods = grid_periods(x, y, "rectangular") if pbc else None
    grid = GridIndex(x, y, "rectangular", positions, periods)
    bmu = torch.tensor([0, 6, 34, 17])
    fast = GridKernel(grid, NEIGHBORHOOD_FUNCTIONS["gaussian"], 1.7).rows(bmu)
    monkeypatch.setattr(smoothing, "_TABLE_LIMIT", 0)  # what very large grids do
    slow_kernel = GridKernel(grid, NEIGHBORHOOD_FUNCTIONS["gaussian"], 1.7)
    assert slow_kernel.axis_rows is None
    assert torch.allclose(slow_kernel.rows(bmu), fast, atol=1e-6)


def _positions(x: int, y: int, topology: str = "rectangular") -> torch.Tensor:
    r, c = grid_positions(x, y, topology)
    return torch.stack((r.reshape(-1), c.reshape(-1)), 1)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("pbc", [False, True])
@pytest.mark.parametrize("name", ["gaussian", "bubble", "triangle", "mexican_hat"])
def test_grid_kernel_rows_and_smoothing_match_dense_reference(
    topology: str, pbc: bool, name: str
) -> None:
    x, y = 4, 5
    pos = _positions(x, y, topology)
    periods = grid_periods(x, y, topology) if pbc else None
    kernel_fn = NEIGHBORHOOD_FUNCTIONS[name]
    dense = kernel_fn(grid_distance_sq(pos, torch.arange(x * y), periods), 1.3)  # (n, n)
    kernel = GridKernel(GridIndex(x, y, topology, pos, periods), kernel_fn, 1.3)
    bmus = torch.tensor([0, 7, 19, 7])
    assert torch.allclose(kernel.rows(bmus), dense[bmus], atol=1e-6)
    values = torch.randn(x * y, 3, generator=torch.Generator().manual_seed(2))
    assert torch.allclose(kernel.smooth(values, chunk=6), dense.T @ values, atol=1e-5)
