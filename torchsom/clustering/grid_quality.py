"""Topological quality: how compact each cluster of a labelled map is on the grid.

For a cluster of ``m >= 2`` neurons, ``a`` is the mean grid distance between two of its
neurons (positions from :func:`torchsom.topology.grid_positions`, wrapped when ``pbc`` is
on) and its coherence is ``1 / (1 + a / max(x, y))``. The score is the size-weighted mean
coherence over clusters with at least two neurons, in (0, 1], higher is better.

The grid is described by any object with attributes ``x``, ``y``, ``topology`` and
``pbc`` (:class:`GridSpec`, or a trained :class:`torchsom.SOM`). The exact cost compares
every pair of neurons; with a ``sample_size``, each cluster's mean grid distance is
measured from a proportional random share of its members (at least two each), drawn with
a seeded generator of its own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch

from torchsom._validation import check_int
from torchsom.clustering.labels import as_labels, block_rows
from torchsom.topology.coordinates import grid_periods, grid_positions

__all__ = ["GridSpec", "topological_quality"]


class GridSpec(NamedTuple):
    """The grid a labelling lives on: ``x`` rows, ``y`` columns, topology, wrap."""

    x: int
    y: int
    topology: str = "rectangular"
    pbc: bool = False


def topological_quality(
    labels: Any, x: int, y: int, topology: str = "rectangular", pbc: bool = False,
    sample_size: int | None = None, random_state: int = 0,
) -> float:
    """Grid compactness of the clusters of a labelled map, in (0, 1].

    Parameters
    ----------
    labels : array-like
        Shape (x·y,) in flat row-major neuron order; ``-1`` is noise.
    x, y : int
        Grid rows and columns.
    topology : {"rectangular", "hexagonal"}
        Grid geometry.
    pbc : bool
        Wrap distances around the torus.
    sample_size : int, optional
        Estimate each cluster's mean grid distance from about ``sample_size`` randomly
        drawn source neurons in all, shared in proportion to the cluster sizes (at least
        two per cluster): cost ``sample_size × n`` instead of ``n²``. None (default) is
        exact.
    random_state : int, default=0
        Seed of the draw.

    Returns
    -------
    float
        1.0 when fewer than two clusters exist or no cluster has two neurons.

    Raises
    ------
    ValueError
        If ``labels`` does not have ``x·y`` entries.
    """
    lab = as_labels(labels)
    n = int(x) * int(y)
    if lab.numel() != n:
        raise ValueError(
            f"labels must have one entry per neuron ({x}×{y} = {n}); got {lab.numel()}."
        )
    valid = lab != -1
    if valid.sum() == 0 or torch.unique(lab[valid]).numel() <= 1:
        return 1.0
    _, index = torch.unique(lab[valid], return_inverse=True)
    k = int(index.max()) + 1
    members = torch.nonzero(valid).reshape(-1)
    sizes = torch.bincount(index, minlength=k).to(torch.float64)
    rows, cols = grid_positions(int(x), int(y), topology, dtype=torch.float64)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), dim=1)[members]
    periods = grid_periods(int(x), int(y), topology) if pbc else None
    m = members.numel()
    sources = _stratified(index, sizes, sample_size, random_state)
    totals = torch.zeros(k, dtype=torch.float64)
    drawn = torch.zeros(k, dtype=torch.float64)
    step = block_rows(m)
    for start in range(0, sources.numel(), step):
        part = sources[start:start + step]
        dist = _grid_distances(positions, part, periods)
        same = index[part].unsqueeze(1) == index.unsqueeze(0)
        totals.index_add_(0, index[part], torch.where(same, dist, 0.0).sum(dim=1))
        drawn.index_add_(0, index[part], torch.ones(part.shape[0], dtype=torch.float64))
    usable = sizes >= 2
    if not bool(usable.any()):
        return 1.0
    mean_dist = totals[usable] / (drawn[usable] * (sizes[usable] - 1))
    coherence = 1.0 / (1.0 + mean_dist / max(int(x), int(y)))
    return float((coherence * sizes[usable]).sum() / sizes[usable].sum())


def _grid_distances(positions: torch.Tensor, sources: torch.Tensor,
                    periods: tuple[float, float] | None) -> torch.Tensor:
    """Grid distances (b, n) from ``sources`` to all ``positions`` (n, 2), wrapped by
    the minimum image when ``periods`` is given (as
    :func:`torchsom.topology.grid_distance_sq`, but on the two
    coordinates separately, which is several times faster than reducing (b, n, 2))."""
    parts = []
    for axis in (0, 1):
        coord = positions[:, axis]
        delta = coord[sources].unsqueeze(1) - coord.unsqueeze(0)
        if periods is not None:
            delta -= periods[axis] * torch.round(delta / periods[axis])
        parts.append(delta.mul_(delta))
    return parts[0].add_(parts[1]).sqrt_()


def _stratified(index: torch.Tensor, sizes: torch.Tensor, sample_size: int | None,
                random_state: int) -> torch.Tensor:
    """Source rows for :func:`topological_quality`: all rows, or a random share of each
    cluster proportional to its size (at least 2, at most all of it)."""
    m = index.numel()
    if sample_size is None or check_int("sample_size", sample_size, 2) >= m:
        return torch.arange(m)
    generator = torch.Generator().manual_seed(check_int("random_state", random_state, 0))
    quota = torch.clamp(torch.ceil(sizes * sample_size / m), min=2)
    quota = torch.minimum(quota, sizes).to(torch.long)
    shuffled = torch.randperm(m, generator=generator)
    by_cluster = shuffled[torch.sort(index[shuffled], stable=True).indices]
    starts = torch.cumsum(sizes.to(torch.long), 0) - sizes.to(torch.long)
    rank = torch.arange(m) - starts[index[by_cluster]]
    return torch.sort(by_cluster[rank < quota[index[by_cluster]]]).values
