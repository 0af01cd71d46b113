"""Topological quality: cluster compactness on the grid (clustering/grid_quality.py)."""

from __future__ import annotations

import numpy as np
import pytest

from torchsom.clustering import GridSpec, topological_quality


def _dense_quality(labels: np.ndarray, x: int, y: int) -> float:
    """Reference: the definition written out with explicit loops."""
    grid = labels.reshape(x, y)
    total, weight = 0.0, 0
    for c in np.unique(grid[grid != -1]):
        cells = np.argwhere(grid == c)
        m = len(cells)
        if m < 2:
            continue
        d = [np.hypot(*(a - b)) for i, a in enumerate(cells) for j, b in enumerate(cells)
             if i != j]
        total += m / (1 + np.mean(d) / max(x, y))
        weight += m
    return total / weight if weight else 1.0


def test_topological_quality_matches_its_definition() -> None:
    rng = np.random.default_rng(2)
    labels = rng.integers(-1, 4, size=6 * 7)
    labels[labels == 0] = 3
    assert topological_quality(labels, 6, 7) == pytest.approx(_dense_quality(labels, 6, 7))


def test_topological_quality_prefers_compact_clusters() -> None:
    halves = np.repeat([1, 2], 18)          # top half / bottom half of a 6×6 map
    stripes = np.tile([1, 2], 18)           # alternating columns
    assert topological_quality(halves, 6, 6) > topological_quality(stripes, 6, 6)


def test_topological_quality_edge_cases() -> None:
    assert topological_quality(np.ones(12), 3, 4) == 1.0
    assert topological_quality(-np.ones(12), 3, 4) == 1.0
    assert topological_quality(np.arange(12), 3, 4) == 1.0  # only singletons
    with pytest.raises(ValueError, match="one entry per neuron"):
        topological_quality(np.ones(5), 3, 4)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_topological_quality_in_range_with_and_without_wrap(topology) -> None:
    labels = np.repeat([1, 2, 3, 4], 9)
    for pbc in (False, True):
        value = topological_quality(labels, 6, 6, topology, pbc)
        assert 0 < value <= 1


def test_wrap_makes_edge_clusters_compact() -> None:
    labels = np.zeros(36, dtype=int) + 2
    labels.reshape(6, 6)[[0, 5], :] = 1     # first and last row: adjacent across the wrap
    assert topological_quality(labels, 6, 6, pbc=True) > topological_quality(labels, 6, 6)


def test_grid_spec_describes_a_grid_with_defaults() -> None:
    spec = GridSpec(4, 5)
    assert (spec.x, spec.y, spec.topology, spec.pbc) == (4, 5, "rectangular", False)
