"""Grouped per-epoch error reduction gives the per-epoch values."""

from __future__ import annotations

import math

import torch

from torchsom.functional.metrics import EpochErrors, non_adjacent
from torchsom.topology.coordinates import adjacency_threshold, grid_positions


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
