"""Quantization and topographic error on hand-made codebooks, and their per-epoch
reduction."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.functional.distances import euclidean_cross
from torchsom.functional.metrics import (
    EpochErrors,
    non_adjacent,
    quantization_error,
    topographic_error,
)
from torchsom.topology.coordinates import adjacency_threshold, grid_periods, grid_positions

# 3x3 codebook: neuron (r, c) holds (r, c) in feature space
GRID3 = torch.tensor([[float(r), float(c)] for r in range(3) for c in range(3)])


def _positions(x: int, y: int, topology: str = "rectangular") -> torch.Tensor:
    r, c = grid_positions(x, y, topology)
    return torch.stack((r.reshape(-1), c.reshape(-1)), 1)


def test_qe_and_te_by_hand_on_3x3() -> None:
    pos = _positions(3, 3)
    # sample at (0, 0.4): BMU 0, second 1 (adjacent); sample at (0.9, 1.0): BMU (1,1)=4,
    # second (0,1)=1 (adjacent); sample (1.0, 1.0) exactly on neuron 4
    data = torch.tensor([[0.0, 0.4], [0.9, 1.0], [1.0, 1.0]])
    assert float(quantization_error(data, GRID3, euclidean_cross)) == pytest.approx(
        (0.4 + 0.1 + 0.0) / 3, abs=1e-6
    )
    assert float(topographic_error(data, GRID3, euclidean_cross, pos, 1.5)) == 0.0
    # a codebook where neurons 0 and 8 are swapped: the second BMU of a sample near the
    # original neuron 0 is now far away on the grid
    swapped = GRID3.clone()
    swapped[[0, 8]] = swapped[[8, 0]]
    # (0, 0.4): BMU 8 at (2,2), second 1 at (0,1) → error; (1, 1.1): BMU 4, second 5 → fine
    mixed = torch.tensor([[0.0, 0.4], [1.0, 1.1], [0.1, 0.3]])
    te = topographic_error(mixed, swapped, euclidean_cross, pos, 1.5)
    assert float(te) == pytest.approx(2 / 3)


def test_te_respects_periodic_boundaries() -> None:
    pos = _positions(3, 3)
    codebook = GRID3.clone()
    data = torch.tensor([[0.0, -0.2]])  # BMU (0,0), second best (0,1)
    codebook[2] = torch.tensor([0.0, -0.3])  # neuron (0,2) now second best: 2 columns away
    assert float(topographic_error(data, codebook, euclidean_cross, pos, 1.5)) == 1.0
    periods = grid_periods(3, 3, "rectangular")
    assert float(topographic_error(data, codebook, euclidean_cross, pos, 1.5, periods)) == 0.0


def test_grouping_does_not_change_the_values() -> None:
    gen = torch.Generator().manual_seed(0)
    positions = torch.stack(grid_positions(6, 5, "rectangular"), -1).reshape(-1, 2).float()
    threshold = adjacency_threshold("rectangular")
    epochs = [(torch.rand(40, generator=gen), torch.randint(0, 30, (40, 2), generator=gen))
              for _ in range(7)]
    expected_q = [float(d.mean()) for d, _ in epochs]
    expected_t = [float(non_adjacent(b[:, 0], b[:, 1], positions, threshold).float().mean()) * 100
                  for _, b in epochs]
    for limit in (1, 100, 10_000):
        errors = EpochErrors(positions, threshold, limit=limit)
        for i, (dist, best) in enumerate(epochs):
            errors.add(dist, best)
            if i == 3:
                q3, t3 = errors.latest()
                assert math.isclose(q3, expected_q[3], rel_tol=1e-6)
                assert math.isclose(t3, expected_t[3], rel_tol=1e-6)
        q, t = errors.result()
        assert len(q) == len(t) == 7
        assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(q, expected_q))
        assert all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9) for a, b in zip(t, expected_t))


def test_one_neuron_map_has_no_topographic_error() -> None:
    errors = EpochErrors(torch.zeros(1, 2), 1.5)
    errors.add(torch.tensor([0.5, 1.5]), torch.zeros(2, 1, dtype=torch.long))
    q, t = errors.result()
    assert q == [1.0] and math.isnan(t[0])
