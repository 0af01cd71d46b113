"""Neighbourhood weights on the grid without a neurons × neurons matrix.

:class:`GridKernel` holds, for one value of sigma, what is needed to

* produce the neighbourhood rows ``h(bmu, ·)`` of a batch of BMUs, shape (b, n_neurons);
* smooth per-neuron statistics over the grid, ``out[n] = Σ_m h(m, n) · values[m]``.

The gaussian factorises over the two grid axes (``exp(-(Δr² + Δc²)/2σ²)``), so it is
built from two small axis tables: (x, x) and (K, K) with K = y on rectangular grids and
K = 2y on hexagonal grids, where a neuron's horizontal key is ``2·col + (row odd)``
(half-cell units). Smoothing is then two small matrix products. Other kernels are
evaluated from grid coordinates in chunks. Memory stays O(b · n_neurons).

Weights are truncated to zero below :func:`negligible_weight` (2⁻²⁴ in float32, 2⁻⁵³ in
float64, i.e. half the dtype's epsilon). A weight ``h`` below that bound moves a neuron by
``lr · h · (x − w)``, less than half a unit in the last place of any codebook entry of
magnitude ``|x − w|`` or more, so dropping it leaves a float32 codebook as it was. It also
keeps every neighbourhood weight, and every product of two of them, a normal float:
subnormal operands are slow on some x86 cores (notably Intel's), and
the far tail of a narrow gaussian is exactly where they would appear.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from torchsom.functional.neighborhood import elementwise, is_separable
from torchsom.topology.coordinates import HEX_ROW_HEIGHT, grid_distance_sq

__all__ = ["GridKernel", "GridIndex", "negligible_weight", "drop_negligible"]

# Lookup tables from a flat index to its row / column key are used when they are small.
_TABLE_LIMIT = 4_000_000


def negligible_weight(dtype: torch.dtype) -> float:
    """Neighbourhood weights below this are set to 0 (half the dtype's epsilon)."""
    return torch.finfo(dtype).eps / 2.0


def drop_negligible(weights: torch.Tensor) -> torch.Tensor:
    """Zero the entries of ``weights`` whose magnitude is below :func:`negligible_weight`
    (in place; returns ``weights``)."""
    return weights.masked_fill_(weights.abs() < negligible_weight(weights.dtype), 0.0)


class GridIndex:
    """Integer bookkeeping of a grid shared by every epoch's kernel.

    Parameters
    ----------
    x, y : int
        Grid size.
    topology : {"rectangular", "hexagonal"}
        Grid geometry.
    positions : torch.Tensor
        Shape (x * y, 2): neuron (row_coord, col_coord).
    periods : tuple of float or None
        Wrap periods when ``pbc`` is on.
    """

    def __init__(
        self,
        x: int,
        y: int,
        topology: str,
        positions: torch.Tensor,
        periods: tuple[float, float] | None,
    ) -> None:
        device = positions.device
        self.x, self.y, self.topology = x, y, topology
        self.positions, self.periods = positions, periods
        self.hex = topology == "hexagonal"
        rows = torch.arange(x, device=device).unsqueeze(1).expand(x, y)
        cols = torch.arange(y, device=device).unsqueeze(0).expand(x, y)
        self.keys = (2 * cols + rows % 2) if self.hex else cols  # (x, y)
        self.n_keys = 2 * y if self.hex else y
        self.row_of = rows.reshape(-1).contiguous()
        self.key_of = self.keys.reshape(-1).contiguous()
        self.row_step = HEX_ROW_HEIGHT if self.hex else 1.0
        self.key_step = 0.5 if self.hex else 1.0
        self._axis_delta_sq: dict[tuple, torch.Tensor] = {}

    def axis_table(self, count: int, step: float, period: float | None, sigma: float,
                   dtype: torch.dtype) -> torch.Tensor:
        """Gaussian factor between every pair of positions on one axis, shape (count, count)."""
        key = (count, step, period, dtype)
        delta_sq = self._axis_delta_sq.get(key)
        if delta_sq is None:  # the squared axis offsets do not change between epochs
            idx = torch.arange(count, device=self.positions.device, dtype=dtype)
            delta = (idx.unsqueeze(1) - idx.unsqueeze(0)) * step
            if period is not None:
                delta = delta - period * torch.round(delta / period)
            delta_sq = self._axis_delta_sq[key] = delta * delta
        if delta_sq.device.type == "cpu" and dtype in (torch.float32, torch.float64):
            # a few small numpy calls: once per epoch, ~10x cheaper than torch dispatch
            table = np.exp(delta_sq.numpy() * (-0.5 / (sigma * sigma)))
            table[table < negligible_weight(dtype)] = 0.0  # exp is positive: no abs needed
            return torch.from_numpy(table)
        return drop_negligible(torch.exp(delta_sq * (-0.5 / (sigma * sigma))))


class GridKernel:
    """Neighbourhood function of one epoch (fixed sigma) on a grid.

    Parameters
    ----------
    grid : GridIndex
        Grid bookkeeping.
    kernel : callable
        Registry kernel or element-wise ``(dist_sq, sigma)`` callable.
    sigma : float
        Neighbourhood width for this epoch.
    dtype : torch.dtype
        Floating dtype of the produced weights.
    """

    def __init__(
        self, grid: GridIndex, kernel: Callable[..., torch.Tensor], sigma: float,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.grid = grid
        self.sigma = float(sigma)
        self.dtype = dtype
        self.fn = elementwise(kernel)
        self.separable = is_separable(kernel)
        self._row_rows = self._key_rows = None
        self._tables_allowed = False
        n = grid.x * grid.y
        if self.separable:
            periods = grid.periods
            self.row_table = grid.axis_table(
                grid.x, grid.row_step, periods[0] if periods else None, self.sigma, dtype
            )
            self.key_table = grid.axis_table(
                grid.n_keys, grid.key_step, periods[1] if periods else None, self.sigma, dtype
            )
            self._tables_allowed = not grid.hex and n * (grid.x + grid.y) <= _TABLE_LIMIT

    @property
    def axis_rows(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Per-neuron gaussian axis factors ``(n, x)`` and ``(n, y)`` when they are kept
        (small rectangular grids), else None."""
        if self._row_rows is None:
            if not self._tables_allowed:
                return None
            self._row_rows = self.row_table[self.grid.row_of]  # (n, x)
            self._key_rows = self.key_table[self.grid.key_of]  # (n, y)
        return self._row_rows, self._key_rows

    def rows(self, bmu: torch.Tensor) -> torch.Tensor:
        """Neighbourhood weights of each BMU to every neuron, shape (b, n_neurons)."""
        tables = self.axis_rows
        if tables is not None:  # fast path: small rectangular gaussian
            return (tables[0][bmu].unsqueeze(2) * tables[1][bmu].unsqueeze(1)).view(
                bmu.shape[0], -1
            )
        grid = self.grid
        b = bmu.shape[0]
        if not self.separable:
            dist_sq = grid_distance_sq(grid.positions, bmu, grid.periods)
            return drop_negligible(self.fn(dist_sq, self.sigma).to(self.dtype))
        row_part = self.row_table[grid.row_of[bmu]]  # (b, x)
        key_part = self.key_table[grid.key_of[bmu]]  # (b, K)
        if grid.hex:
            key_part = key_part[:, grid.keys]  # (b, x, y)
            return (row_part.unsqueeze(2) * key_part).reshape(b, -1)
        return (row_part.unsqueeze(2) * key_part.unsqueeze(1)).reshape(b, -1)

    def smooth(self, values: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
        """Grid smoothing ``out[n] = Σ_m h(m, n) · values[m]``.

        Parameters
        ----------
        values : torch.Tensor
            Shape (n_neurons, c).

        Returns
        -------
        torch.Tensor
            Shape (n_neurons, c).
        """
        grid = self.grid
        x, y = grid.x, grid.y
        c = values.shape[1]
        if not self.separable:
            out = torch.empty_like(values)
            for start in range(0, x * y, chunk):
                targets = torch.arange(start, min(start + chunk, x * y), device=values.device)
                weights = drop_negligible(self.fn(
                    grid_distance_sq(grid.positions, targets, grid.periods), self.sigma
                ).to(values.dtype))
                out[start : start + targets.shape[0]] = weights @ values
            return out
        if grid.hex:
            spread = values.new_zeros(x, grid.n_keys, c)
            spread[grid.row_of, grid.key_of] = values
        else:
            spread = values.reshape(x, y, c)
        along_rows = (self.row_table @ spread.reshape(x, -1)).reshape(x, -1, c)
        both = torch.matmul(self.key_table, along_rows)  # (x, K, c)
        if grid.hex:
            return both[grid.row_of, grid.key_of]
        return both.reshape(x * y, c)
