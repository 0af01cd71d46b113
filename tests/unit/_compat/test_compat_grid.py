"""The mesh-grid helpers of earlier releases (_compat/grid.py) give the map's positions."""

from __future__ import annotations

import torch

from torchsom.topology import grid_positions
from torchsom.utils.grid import adjust_meshgrid_topology, create_mesh_grid


def test_mesh_grid_helpers() -> None:
    xx, yy = create_mesh_grid(3, 2)
    assert xx.shape == (3, 2) and yy[0].tolist() == [0.0, 1.0]
    hx, hy = adjust_meshgrid_topology(xx, yy, "hexagonal")
    r, c = grid_positions(3, 2, "hexagonal")
    assert torch.allclose(hx, r) and torch.allclose(hy, c)
    assert adjust_meshgrid_topology(xx, yy, "rectangular")[0] is xx
