"""Map quality measures computed from BMU search results.

* Quantization error (QE): the mean distance from each sample to its BMU, in the SOM's
  own distance metric.
* Topographic error (TE): the fraction of samples whose first and second BMUs are not
  adjacent on the grid (8-neighbourhood on rectangular grids, 6 on hexagonal grids,
  across the wrap when ``pbc`` is on).

Each is computed in one function, from the results of a BMU search:
:func:`quantization_error_from_bmus` and :func:`topographic_error_from_bmus` (the
adjacency rule itself is :func:`non_adjacent`). Everything else that reports a QE or a TE
delegates to them: the data-level :func:`quantization_error` and
:func:`topographic_error` here, the validated measures of :mod:`torchsom.functional.quality`,
``SOM.quantization_error``, ``SOM.topographic_error``, ``SOM.evaluate``, the
compatibility functions and the per-epoch errors of training (:class:`EpochErrors`).
Whoever searches decides which search: a map passes its own (its search backend), a
bare codebook is searched exactly (:func:`~torchsom.functional.bmu.topk_bmus`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom.functional.bmu import topk_bmus
from torchsom.topology.coordinates import pairwise_grid_distance_sq

__all__ = ["BMUSearch", "EpochErrors", "non_adjacent", "quantization_error",
           "quantization_error_from_bmus", "search_codebook", "topographic_error",
           "topographic_error_from_bmus"]

CrossDistance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
#: a BMU search: ``(samples (n, F), k) → (distances (n, k), flat indices (n, k))``,
#: ascending along each row
BMUSearch = Callable[[torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]


def non_adjacent(
    first: torch.Tensor,
    second: torch.Tensor,
    positions: torch.Tensor,
    threshold: float,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """Boolean mask, shape (m,): True where ``first[i]`` and ``second[i]`` are not adjacent."""
    return pairwise_grid_distance_sq(positions, first, second, periods) > threshold * threshold


def quantization_error_from_bmus(distances: torch.Tensor) -> torch.Tensor:
    """QE from a search's distances (n, k): the mean of the first column, a 0-d tensor."""
    return distances[:, 0].contiguous().mean()


def topographic_error_from_bmus(
    best: torch.Tensor,
    positions: torch.Tensor,
    threshold: float,
    periods: tuple[float, float] | None = None,
) -> torch.Tensor:
    """TE from a search's two best units: the share of samples whose two are not adjacent.

    Parameters
    ----------
    best : torch.Tensor
        Flat neuron indices, shape (..., n, 2): the best and second-best unit of each of
        ``n`` samples, in any number of leading groups (e.g. epochs). Shape (..., n, 1)
        (a one-neuron map) gives NaN.
    positions : torch.Tensor
        Shape (n_neurons, 2): grid coordinates.
    threshold : float
        Adjacency distance (see ``adjacency_threshold``).
    periods : tuple of float, optional
        Wrap periods for periodic boundaries.

    Returns
    -------
    torch.Tensor
        Shape ``best.shape[:-2]`` (0-d for one group): ratios in [0, 1].
    """
    if best.shape[-1] < 2:  # one-neuron map: adjacency is undefined
        return torch.full(best.shape[:-2], float("nan"), device=best.device)
    pairs = best.reshape(-1, best.shape[-1])
    far = non_adjacent(pairs[:, 0], pairs[:, 1], positions, threshold, periods)
    return far.reshape(best.shape[:-1]).float().mean(dim=-1)


def search_codebook(codebook: torch.Tensor, cross_distance: CrossDistance) -> BMUSearch:
    """The exact search of a bare codebook (n_neurons, F): the default :data:`BMUSearch`."""
    def search(samples: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        return topk_bmus(samples, codebook, cross_distance, k=k)

    return search


def quantization_error(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: CrossDistance,
    search: BMUSearch | None = None,
) -> torch.Tensor:
    """Mean BMU distance, a 0-d tensor. ``data`` (n, F), ``codebook`` (n_neurons, F).

    ``search`` replaces the exact search of ``codebook`` (e.g. a map's search backend).
    """
    search = search or search_codebook(codebook, cross_distance)
    distances, _ = search(data, 1)
    return quantization_error_from_bmus(distances)


def topographic_error(
    data: torch.Tensor,
    codebook: torch.Tensor,
    cross_distance: CrossDistance,
    positions: torch.Tensor,
    threshold: float,
    periods: tuple[float, float] | None = None,
    search: BMUSearch | None = None,
) -> torch.Tensor:
    """Fraction of samples whose two best units are not adjacent, a 0-d tensor in [0, 1].

    ``search`` replaces the exact search of ``codebook`` (e.g. a map's search backend).
    """
    search = search or search_codebook(codebook, cross_distance)
    _, best = search(data, 2)
    return topographic_error_from_bmus(best, positions, threshold, periods)


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
        best = torch.stack([b for _, b in self._pending])  # (epochs, n, 2)
        self._topographic.append(topographic_error_from_bmus(
            best, self.positions, self.threshold, self.periods).to(distances.device) * 100.0)
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
