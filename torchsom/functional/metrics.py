"""Map quality measures computed from BMU search results.

* Quantization error (QE): the mean distance from each sample to its BMU, in the SOM's
  own distance metric.
* Topographic error (TE): the fraction of samples whose first and second BMUs are not
  adjacent on the grid (8-neighbourhood on rectangular grids, 6 on hexagonal grids,
  across the wrap when ``pbc`` is on).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom.functional.bmu import topk_bmus
from torchsom.topology.coordinates import pairwise_grid_distance_sq

__all__ = ["EpochErrors", "non_adjacent", "quantization_error", "topographic_error"]


def non_adjacent(
    first: torch.Tensor,
    second: torch.Tensor,
    positions: torch.Tensor,
    threshold: float,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Boolean mask, shape (m,): True where ``first[i]`` and ``second[i]`` are not adjacent."""
    return pairwise_grid_distance_sq(positions, first, second, periods) > threshold * threshold


def quantization_error(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """Mean BMU distance, a 0-d tensor. ``data`` (n, F), ``codebook`` (n_neurons, F)."""
    dist, _ = topk_bmus(data, codebook, cross_distance, k=1)
    return dist.mean()


def topographic_error(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    positions: torch.Tensor,
    threshold: float,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Fraction of samples whose two best units are not adjacent, a 0-d tensor in [0, 1]."""
    _, idx = topk_bmus(data, codebook, cross_distance, k=2)
    return non_adjacent(idx[:, 0], idx[:, 1], positions, threshold, periods).float().mean()


class EpochErrors:
    """Per-epoch QE and TE of a fit, from the searches training made anyway.

    Epochs are reduced in groups, a few tensor operations per group rather than per epoch,
    which matters for many short epochs. A group is closed when it holds ``limit`` samples
    or when :meth:`latest` asks for the newest values (the progress bar).

    Parameters
    ----------
    positions : torch.Tensor
        Shape (n_neurons, 2): grid coordinates.
    threshold : float
        Adjacency distance (see ``adjacency_threshold``).
    periods : tuple of float, optional
        Wrap periods for periodic boundaries.
    limit : int
        Samples held before a group is reduced.
    """

    def __init__(self, positions: torch.Tensor, threshold: float,
                 periods: tuple[float, float] | None = None, limit: int = 1 << 20) -> None:
        self.positions, self.threshold, self.periods = positions, threshold, periods
        self.limit = limit
        self._pending: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._held = 0
        self._quantization: list[torch.Tensor] = []
        self._topographic: list[torch.Tensor] = []

    def add(self, bmu_distance: torch.Tensor, best_two: torch.Tensor) -> None:
        """Record one epoch: ``bmu_distance`` (n,) and ``best_two`` (n, 2) or (n, 1)."""
        self._pending.append((bmu_distance, best_two))
        self._held += bmu_distance.shape[0]
        if self._held >= self.limit:
            self._reduce()

    def _reduce(self) -> None:
        if not self._pending:
            return
        distances = torch.stack([d for d, _ in self._pending])  # (epochs, n)
        self._quantization.append(distances.mean(dim=1))
        best = torch.cat([b for _, b in self._pending])
        epochs = len(self._pending)
        if best.shape[1] < 2:  # one-neuron map: adjacency is undefined
            self._topographic.append(
                torch.full((epochs,), float("nan"), device=distances.device))
        else:
            far = non_adjacent(best[:, 0], best[:, 1], self.positions, self.threshold,
                               self.periods)
            self._topographic.append(far.reshape(epochs, -1).float().mean(dim=1) * 100.0)
        self._pending.clear()
        self._held = 0

    def latest(self) -> tuple[float, float]:
        """QE and TE (percent) of the newest epoch."""
        self._reduce()
        return float(self._quantization[-1][-1]), float(self._topographic[-1][-1])

    def result(self) -> tuple[list[float], list[float]]:
        """QE and TE (percent) of every epoch, as lists of float."""
        self._reduce()
        return (torch.cat(self._quantization).tolist(), torch.cat(self._topographic).tolist())
