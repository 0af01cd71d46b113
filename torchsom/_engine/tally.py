"""Per-epoch QE and TE of a fit, accumulated chunk by chunk.

A fit over in-memory data in one process sees each epoch as one chunk, and hands it to
:class:`~torchsom.functional.metrics.EpochErrors` (which reduces many short epochs in
groups). Streams, ``partial_fit`` and data-parallel fits see an epoch in many chunks
(and on many workers): each chunk is reduced at once to three sums (BMU distances,
samples, non-adjacent pairs), kept in float64 and, across workers, all-reduced when the
epoch closes.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom.functional.metrics import EpochErrors, non_adjacent

__all__ = ["ErrorTally"]


class ErrorTally:
    """QE and TE (percent) of every epoch of a run.

    Parameters
    ----------
    errors : EpochErrors
        Grid description (and, for ``grouped``, the per-epoch reducer).
    grouped : bool
        Every epoch is one chunk on one worker: hand it to ``errors`` whole.
    reduce : callable, optional
        In-place sum of a float64 tensor across workers.
    """

    def __init__(self, errors: EpochErrors, grouped: bool, device: torch.device,
                 reduce: Callable[[torch.Tensor, str], None] | None = None) -> None:
        self.errors, self.grouped, self.reduce = errors, grouped, reduce
        self.device = device
        self._grouped_epochs = 0
        self.sums: torch.Tensor | None = None  # (distance, samples, non-adjacent) of the open epoch
        self.done_q: list[float] = []
        self.done_t: list[float] = []
        #: errors of epochs done before the run started (a resumed fit)
        self.prior: tuple[list[float], list[float]] = ([], [])

    def add(self, distance: torch.Tensor, best_two: torch.Tensor) -> None:
        """One chunk: BMU distances (m,) and two best units (m, 2), or (m, 1) on a
        one-neuron map."""
        if self.grouped:
            self.errors.add(distance, best_two)
            self._grouped_epochs += 1
            return
        if self.sums is None:
            self.sums = torch.zeros(3, dtype=torch.float64, device=self.device)
        self.sums[0] += distance.double().sum().to(self.device)
        self.sums[1] += distance.shape[0]
        if best_two.shape[1] == 2:
            errors = self.errors
            far = non_adjacent(best_two[:, 0], best_two[:, 1], errors.positions,
                               errors.threshold, errors.periods)
            self.sums[2] += far.sum().to(self.device)

    def close(self, two: bool) -> None:
        """End the epoch (``two``: the map has at least two neurons)."""
        if self.grouped:
            return
        sums = self.sums if self.sums is not None else torch.zeros(
            3, dtype=torch.float64, device=self.device)
        if self.reduce is not None:
            self.reduce(sums, "the epoch's errors")
        distance, count, far = sums.tolist()
        count = max(count, 1.0)
        self.done_q.append(distance / count)
        self.done_t.append(far / count * 100.0 if two else float("nan"))
        self.sums = None

    def latest(self) -> tuple[float, float]:
        """QE and TE of the newest closed epoch."""
        if self.grouped:
            return self.errors.latest()
        return self.done_q[-1], self.done_t[-1]

    def result(self) -> tuple[list[float], list[float]]:
        """QE and TE of every closed epoch (after the ``prior`` ones)."""
        if self.grouped:
            q_list, t_list = self.errors.result() if self._grouped_epochs else ([], [])
        else:
            q_list, t_list = self.done_q, self.done_t
        return self.prior[0] + list(q_list), self.prior[1] + list(t_list)

    def state(self) -> torch.Tensor | None:
        """The open epoch's sums (for a checkpoint), or None."""
        return None if self.sums is None else self.sums.clone()

    def load_state(self, sums: torch.Tensor | None, device: torch.device) -> None:
        """Restore the open epoch's sums."""
        self.sums = None if sums is None else sums.to(device=device, dtype=torch.float64)
