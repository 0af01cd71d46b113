"""The online rule's per-step tables: its schedule (learning rate and sigma for every step)
and the neighbourhood around a BMU as a table indexed by the offset from it.

Both are evaluated for a whole block of steps at once, vectorised, so that each step of
the host loop (:mod:`torchsom._engine.online`) only slices a precomputed table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from torchsom._engine.ops import ArrayOps
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS, elementwise, is_separable
from torchsom.functional.smoothing import GridIndex, negligible_weight

__all__ = ["StepNeighbourhood", "StepSchedule", "decay_values", "per_step_schedule"]


StepSchedule = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def decay_values(fn: Callable[..., float], value: float, steps: np.ndarray,
                 total: int) -> np.ndarray:
    """``fn(value, t, total)`` for every ``t`` in ``steps``, as float64 (len(steps),).

    The decay functions are plain arithmetic, so most accept the whole array at once; a
    callable that does not (it raises, or returns the wrong shape) is evaluated step by
    step.
    """
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(fn(value, steps, total), dtype=np.float64)
        return np.broadcast_to(out, steps.shape).copy()
    except Exception:  # a scalar-only callable: one call per step
        return np.array([float(fn(value, int(t), total)) for t in steps], dtype=np.float64)


def per_step_schedule(lr_fn: Callable[..., float], learning_rate: float,
                      sigma_fn: Callable[..., float], sigma: float) -> StepSchedule:
    """The schedule of the online rule: ``(steps, total) → (learning rates, sigmas)``.

    Each is the map's decay function evaluated at step ``t`` with ``max_iter = total``
    (the number of steps in the fit), shape (len(steps),) each, float64.
    """
    def schedule(steps: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
        return (decay_values(lr_fn, learning_rate, steps, total),
                decay_values(sigma_fn, sigma, steps, total))

    return schedule


def _wrap(delta: torch.Tensor, period: float | None) -> torch.Tensor:
    return delta if period is None else delta - period * torch.round(delta / period)


class StepNeighbourhood:
    """Per-step neighbourhood tables, indexed by the offset from the BMU.

    On a grid, the weight of neuron (i, j) for BMU (r, c) depends only on the offsets
    ``(i − r, j − c)`` (and on a hexagonal grid also on the parity of ``r``, since odd
    rows are shifted). So one table over all offsets, (2x − 1, 2y − 1), serves every BMU:
    the rows of BMU (r, c) are the slice ``[x−1−r : 2x−1−r, y−1−c : 2y−1−c]``. On a
    rectangular grid the gaussian factorises, and two axis tables (2x − 1) and (2y − 1)
    do; their outer product over the moved window is formed in the step.

    Tables include the learning rate, and give each step's reach: the largest row and
    column offsets with a non-zero weight (the whole grid on a torus).

    Parameters
    ----------
    grid : GridIndex
    kernel : callable
        Registry kernel or element-wise ``(dist_sq, sigma)`` callable.
    dtype : torch.dtype
        Dtype of the tables.
    """

    def __init__(self, grid: GridIndex, kernel: Callable[..., torch.Tensor],
                 dtype: torch.dtype) -> None:
        x, y = grid.x, grid.y
        self.x, self.y, self.dtype = x, y, dtype
        self.hex = grid.hex
        self.torus = grid.periods is not None
        periods = grid.periods or (None, None)
        self.fn = elementwise(kernel)
        self.vectorised = self.fn in {elementwise(k) for k in NEIGHBORHOOD_FUNCTIONS.values()}
        self.factored = is_separable(kernel) and not grid.hex
        row_steps = torch.arange(-(x - 1), x, dtype=torch.float64)
        col_steps = torch.arange(-(y - 1), y, dtype=torch.float64)
        self.row_offsets = row_steps.abs()
        self.col_offsets = col_steps.abs()
        delta_row = _wrap(row_steps * grid.row_step, periods[0])
        if self.factored:
            self.row_sq = delta_row * delta_row
            delta_col = _wrap(col_steps, periods[1])
            self.col_sq = delta_col * delta_col
            self.entries = 2 * x + 2 * y
        else:
            odd = torch.remainder(row_steps, 2.0).unsqueeze(1)  # rows with a shifted parity
            tables = []
            for shift in ((0.5, -0.5) if grid.hex else (0.0,)):  # BMU row even, odd
                delta_col = _wrap(col_steps.unsqueeze(0) + shift * odd, periods[1])
                tables.append(delta_row.unsqueeze(1) ** 2 + delta_col * delta_col)
            self.dist_sq = torch.stack(tables)  # (P, 2x - 1, 2y - 1)
            self.entries = self.dist_sq.numel()

    def tables(self, ops: ArrayOps, learning_rates: np.ndarray, sigmas: np.ndarray):
        """Tables of a block of m steps, in the backend.

        Returns
        -------
        tables : tuple
            Factored: ``(rows (m, 2x−1, 1, 1) × lr, cols (m, 2y−1, 1))``; otherwise
            ``(weights (m, P, 2x−1, 2y−1, 1) × lr,)``.
        row_reach, col_reach : list of int
            Per step, the largest row / column offset with a non-zero weight.
        """
        lr = torch.from_numpy(learning_rates)
        sigma = torch.from_numpy(np.maximum(sigmas, 1e-12)).unsqueeze(1)  # (m, 1)
        floor = negligible_weight(self.dtype)
        if self.factored:
            scale = -0.5 / (sigma * sigma)
            rows = torch.exp(self.row_sq * scale)
            cols = torch.exp(self.col_sq * scale)
            rows[rows < floor] = 0.0
            cols[cols < floor] = 0.0
            row_hit, col_hit = rows != 0, cols != 0
            rows *= lr.unsqueeze(1)
            out = (rows.to(self.dtype)[:, :, None, None], cols.to(self.dtype)[:, :, None])
        else:
            weights = self._weights(sigma.squeeze(1))  # (m, P, 2x - 1, 2y - 1)
            weights[weights.abs() < floor] = 0.0
            hit = weights != 0
            row_hit, col_hit = hit.any(dim=(1, 3)), hit.any(dim=(1, 2))
            weights *= lr[:, None, None, None]
            out = (weights.to(self.dtype).unsqueeze(-1),)
        if self.torus:
            m = len(learning_rates)
            return tuple(ops.array(t.to(ops.device)) for t in out), [self.x] * m, [self.y] * m
        row_reach = (row_hit * self.row_offsets).amax(dim=1).to(torch.int64).tolist()
        col_reach = (col_hit * self.col_offsets).amax(dim=1).to(torch.int64).tolist()
        return tuple(ops.array(t.to(ops.device)) for t in out), row_reach, col_reach

    def _weights(self, sigmas: torch.Tensor) -> torch.Tensor:
        """Kernel values over the offset tables for every step, float64 (m, P, 2x−1, 2y−1)."""
        if self.vectorised:  # the registry kernels broadcast over a tensor of sigmas
            return self.fn(self.dist_sq.unsqueeze(0), sigmas[:, None, None, None])
        return torch.stack([self.fn(self.dist_sq, float(s)).to(torch.float64)
                            for s in sigmas.tolist()])
