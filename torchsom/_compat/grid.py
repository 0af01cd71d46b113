"""Mesh-grid helpers of earlier releases, for code that builds neuron coordinates itself.

The map's own positions come from :func:`torchsom.topology.grid_positions`; these give the
same positions from index grids (odd-r rows on hexagonal grids).
"""

from __future__ import annotations

import torch

from torchsom.topology.coordinates import HEX_ROW_HEIGHT

__all__ = ["create_mesh_grid", "adjust_meshgrid_topology"]


def create_mesh_grid(x: int, y: int, device: str | torch.device = "cpu") -> tuple[
    torch.Tensor, torch.Tensor
]:
    """Row and column indices as float tensors of shape (x, y) (``ij`` indexing)."""
    rows = torch.arange(x, dtype=torch.float32, device=device)
    cols = torch.arange(y, dtype=torch.float32, device=device)
    return torch.meshgrid(rows, cols, indexing="ij")


def adjust_meshgrid_topology(
    xx: torch.Tensor, yy: torch.Tensor, topology: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn index grids into neuron positions for ``topology`` (odd-r on hexagonal grids).

    Returns the vertical coordinate (``row · √3/2``) and the horizontal coordinate
    (``col + 0.5 · [row odd]``) for hexagonal grids; rectangular grids are unchanged.
    """
    if topology != "hexagonal":
        return xx, yy
    odd = torch.remainder(torch.round(xx), 2)
    return xx * HEX_ROW_HEIGHT, yy + 0.5 * odd
