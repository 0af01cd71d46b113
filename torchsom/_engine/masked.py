"""The training rules for data with missing values (NaN), one per rule.

Each is its plain rule with the masked score and update of
:mod:`torchsom.functional.masked`: samples are compared on their observed features
(distances rescaled by ``F / F_obs``) and move the observed features of the codebook only.
The reference point is the per-feature mean of the observed entries.

* :class:`MaskedMinibatchRule`: keeps ``[(W − c)ᵀ ; −(W − c)ᵀ² / 2]`` (2F, n) so that one
  product of a staged batch ``[−2 x̃ | −2 m]`` (b, 2F) gives the scores, and one product
  of its transpose with the neighbourhood rows gives both update terms.
* :class:`MaskedBatchRule`: per-neuron sums of ``x̃`` and per-neuron, per-feature counts of
  observed entries, both smoothed over the grid; a feature of a neuron moves where its own
  smoothed count is positive.
* :class:`MaskedOnlineRule`: keeps ``[W − c | (W − c)²]`` (n, 2F), so each step's search
  is one matrix-vector product with ``[−2 x̃ | m]``.
"""

from __future__ import annotations

import numpy as np
import torch

from torchsom._engine.online import OnlineRule, _kernels
from torchsom._engine.ops import ArrayOps
from torchsom._engine.rules import BatchRule, MinibatchRule
from torchsom.functional.bmu import chunk_size_for
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.masked import (
    masked_distances,
    masked_minibatch_update,
    masked_sample_terms,
    masked_scores,
    masked_stage,
    masked_topk_bmus,
    refresh_squares,
)
from torchsom.functional.smoothing import GridIndex, GridKernel

__all__ = ["MaskedMinibatchRule", "MaskedBatchRule", "MaskedOnlineRule"]


class MaskedMinibatchRule(MinibatchRule):
    """The mini-batch rule on data with NaN (see the module notes).

    Parameters
    ----------
    ops : ArrayOps
    grid : GridIndex
    codebook : torch.Tensor
        Shape (n_neurons, F): the starting codebook (copied).
    batch_size : int
    center : torch.Tensor
        Shape (F,): the observed mean of the data.
    """

    def __init__(self, ops: ArrayOps, grid: GridIndex, codebook: torch.Tensor,
                 batch_size: int, center: torch.Tensor) -> None:
        super().__init__(ops, grid, codebook, batch_size, center, None)
        n_neurons, features = codebook.shape
        self.stack = ops.empty((2 * features, n_neurons), codebook.dtype)
        self.stack[:features] = self.codebook_t
        self.codebook_t = self.stack[:features]  # the update writes through this view
        refresh_squares(self.stack, self.factor)
        self.update = ops.empty((2 * features, n_neurons), codebook.dtype)

    def stage(self, samples: torch.Tensor, order: torch.Tensor | None = None):
        """``[−2 x̃ | −2 m]`` (m, 2F) of ``samples[order]`` in the backend."""
        picked = samples if order is None else samples[order.to(samples.device)]
        return self.ops.array(masked_stage(picked, self.center, self.factor))

    def sample_squares(self, samples: torch.Tensor):
        """``[‖x̃‖², F / F_obs]`` per sample (n, 2) in the backend."""
        return self.ops.array(masked_sample_terms(samples, self.center))

    def step(self, staged, best, best_value, second) -> None:
        """Masked search and update for one staged batch."""
        size = staged.shape[0]
        scores = masked_scores(staged, self.stack, self.scores[:size])
        self.ops.top_two(scores, best, best_value, second if self.two else None,
                         self.offsets[:size])
        rows = self.rows[:size]
        self._neighbourhood(best, rows)
        if size != self.batch_size:  # the tables are scaled for full batches
            rows *= self.batch_size / size
        masked_minibatch_update(self.codebook_t, staged, rows, self.update)
        refresh_squares(self.stack, self.factor)

    def distances(self, best_value, sample_sq):
        """``√((score + ‖x̃‖²) · F / F_obs)``; ``sample_sq`` from :meth:`sample_squares`."""
        return masked_distances(best_value, sample_sq)


class MaskedBatchRule(BatchRule):
    """Kohonen's batch rule on data with NaN (see the module notes).

    Parameters
    ----------
    ops : ArrayOps
        Array backend of the search.
    codebook : torch.Tensor
        Shape (n_neurons, F): updated in place by :meth:`end`.
    center : torch.Tensor
        Shape (F,): the observed mean of the data.
    """

    ranks_by_score = False  # the masked search returns distances (torch)

    def __init__(self, ops: ArrayOps, codebook: torch.Tensor, center: torch.Tensor) -> None:
        super().__init__(ops, codebook, center, euclidean_cross)
        n_neurons, features = codebook.shape
        self.stats = codebook.new_zeros(n_neurons, 2 * features)
        self._sums = codebook.new_zeros(n_neurons, features)
        self._counts = codebook.new_zeros(n_neurons, features)

    def stage(self, samples: torch.Tensor, order: torch.Tensor | None = None) -> torch.Tensor:
        """Samples as they are, NaN included."""
        return samples if order is None else samples[order]

    def begin(self, learning_rate: float, kernel: GridKernel) -> None:
        """Reset the epoch's sums and per-feature counts."""
        self._lr, self._kernel = float(learning_rate), kernel
        self._sums.zero_()
        self._counts.zero_()

    def step(self, staged: torch.Tensor, best, best_value, second) -> None:
        """Masked search of a block against the epoch's codebook, then accumulate it."""
        dist, idx = masked_topk_bmus(staged, self.codebook, k=self.two,
                                     prefer_numpy=self.ops.name == "numpy")
        self._record(dist, idx, best, best_value, second)
        step = chunk_size_for(self.codebook.shape[0])
        for start in range(0, staged.shape[0], step):  # bounded scratch: chunk × F
            block = staged[start : start + step]
            observed = ~torch.isnan(block)
            units = best[start : start + step]
            self._sums.index_add_(0, units, torch.where(observed, block - self.center, 0.0))
            self._counts.index_add_(0, units, observed.to(self._counts.dtype))

    def end(self, codebook: torch.Tensor) -> torch.Tensor:
        """Smooth sums and per-feature counts over the grid; move each observed feature."""
        features = self.features
        self.stats[:, :features] = self._sums
        self.stats[:, features:] = self._counts
        return self._move(codebook, self._kernel.smooth(self.stats))

    def state(self) -> dict[str, torch.Tensor]:
        """The epoch's partial ``sums`` (n, F) and per-feature ``counts`` (n, F), copied."""
        return {"sums": self._sums.clone(), "counts": self._counts.clone()}

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state` returned."""
        self._sums.copy_(state["sums"])
        self._counts.copy_(state["counts"])


class MaskedOnlineRule(OnlineRule):
    """The online rule on data with NaN (see the module notes).

    Parameters are those of :class:`~torchsom._engine.online.OnlineRule`, with
    ``center`` the observed mean of the data and the euclidean distance. The codebook is
    held as ``[W − c | (W − c)²]`` (n, 2F), so each step's search is one matrix-vector
    product with ``[−2 x̃ | m]``.
    """

    _masked = True

    def _allocate(self, codebook: torch.Tensor, n_neurons: int, features: int,
                  dtype: torch.dtype) -> None:
        ops = self.ops
        self.augmented = ops.empty((n_neurons, 2 * features), dtype)
        self.weights = self.augmented[:, :features]
        squares = self.augmented[:, features:]
        self.weights[...] = ops.array(codebook - self.center)
        ops.xp.multiply(self.weights, self.weights, out=squares)
        self.scores = ops.empty((n_neurons,), dtype)
        self.scratch = ops.empty((self.x, self.y, features), dtype)
        self.weights_of_step = ops.empty((self.x, self.y, 1), dtype)
        grid = self.augmented.reshape(self.x, self.y, 2 * features)
        self.grid_weights, self.grid_norms = grid[..., :features], grid[..., features:]
        self.kernels = _kernels(ops)
        self._fast = ops.xp is np
        self._views = {}
        self._query = ops.empty((2 * features,), dtype)

    def _queries(self, staged):
        """The search vectors ``[−2 x̃ | m]`` (m, 2F) of a staged block (numpy)."""
        factors = np.ones(staged.shape[1], staged.dtype)
        factors[: self.features] = -2.0
        return staged * factors

    def stage(self, samples: torch.Tensor, order: torch.Tensor | None = None):
        """``[x̃ | m]`` (m, 2F) of ``samples[order]`` in the backend."""
        picked = samples if order is None else samples[order.to(samples.device)]
        return self.ops.array(masked_stage(picked, self.center))

    def sample_squares(self, samples: torch.Tensor):
        """``[‖x̃‖², F / F_obs]`` per sample (n, 2) in the backend."""
        return self.ops.array(masked_sample_terms(samples, self.center))

    def _search(self, sample):  # the torch backend's loop
        features, query, scores = self.features, self._query, self.scores
        torch.mul(sample[:features], -2.0, out=query[:features])
        query[features:] = sample[features:]
        self.kernels.matvec(self.augmented, query, scores)
        return scores

    def _move(self, r0: int, r1: int, c0: int, c1: int, sample, weights) -> None:
        features = self.features
        window = self.grid_weights[r0:r1, c0:c1]
        window.addcmul_(weights * sample[features:], sample[:features] - window)
        self.grid_norms[r0:r1, c0:c1] = window * window

    def distances(self, best_value, sample_sq):
        """``√((score + ‖x̃‖²) · F / F_obs)``; ``sample_sq`` from :meth:`sample_squares`."""
        return masked_distances(best_value, sample_sq)
