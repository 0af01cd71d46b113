"""Distortion and explained variance on hand-made codebooks (functional/distortion.py)."""

from __future__ import annotations

import math

import pytest
import torch

import torchsom.functional.distortion as distortion_module
from torchsom.functional.distances import euclidean_cross, manhattan_cross
from torchsom.functional.distortion import distortion, explained_variance
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.topology import grid_distance_sq, grid_periods, grid_positions


def _positions(x: int, y: int, topology: str) -> torch.Tensor:
    rows, cols = grid_positions(x, y, topology, dtype=torch.float64)
    return torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)


def _random_map(x: int, y: int, features: int = 3, n: int = 200, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, features, generator=gen), torch.randn(x, y, features, generator=gen)


# ----------------------------------------------------------------------------- distortion
def test_distortion_hand_made() -> None:
    weights = torch.tensor([[[0.0], [1.0]]])
    data = torch.tensor([[0.0], [1.0]])
    # each sample: 1·0² at its BMU plus exp(−1/2)·1² at the other unit
    assert float(distortion(data, weights, 1.0)) == pytest.approx(math.exp(-0.5))
    bubble = NEIGHBORHOOD_FUNCTIONS["bubble"]
    assert float(distortion(data, weights, 0.5, bubble)) == 0.0
    assert float(distortion(torch.tensor([[3.0]]), weights, 1.0, bubble)) == pytest.approx(13.0)


@pytest.mark.parametrize("topology,pbc,kernel,cross", [
    ("rectangular", False, "gaussian", euclidean_cross),
    ("hexagonal", True, "bubble", euclidean_cross),
    ("hexagonal", False, "mexican_hat", euclidean_cross),
    ("rectangular", True, "triangle", manhattan_cross),
])
def test_distortion_equals_the_full_sum(topology: str, pbc: bool, kernel: str, cross,
                                        monkeypatch) -> None:
    data, weights = _random_map(4, 3, n=50, seed=2)
    fn = NEIGHBORHOOD_FUNCTIONS[kernel]
    positions = _positions(4, 3, topology)
    periods = grid_periods(4, 3, topology) if pbc else None
    dist = cross(data.double(), weights.reshape(12, 3).double())
    every = grid_distance_sq(positions, torch.arange(12), periods)  # (12, 12), tiny map
    h = fn(every, 1.5)[dist.argmin(1)]
    expected = (h * dist**2).sum() / 50
    got = distortion(data, weights, 1.5, fn, topology, pbc, cross)
    assert float(got) == pytest.approx(float(expected), rel=1e-5)
    monkeypatch.setattr(distortion_module, "chunk_size_for", lambda *a: 5)  # many chunks
    assert float(distortion(data, weights, 1.5, fn, topology, pbc, cross)) == pytest.approx(
        float(got), rel=1e-6)


def test_distortion_with_a_narrow_neighbourhood_is_the_mean_squared_error() -> None:
    data, weights = _random_map(3, 3, seed=3)
    qe_sq = torch.cdist(data, weights.reshape(9, 3)).min(1).values.double().square().mean()
    assert float(distortion(data, weights, 0.05)) == pytest.approx(float(qe_sq), rel=1e-5)


# ----------------------------------------------------------------------------- variance
def test_explained_variance_hand_made() -> None:
    data = torch.tensor([[0.0], [2.0]])
    # residuals 0 and 1 against a total scatter of 1 + 1
    assert float(explained_variance(data, torch.tensor([[[0.0], [1.0]]]))) == 0.5
    assert float(explained_variance(data, torch.tensor([[[0.0], [2.0]]]))) == 1.0
    assert float(explained_variance(data, torch.tensor([[[1.0], [1.0]]]))) == 0.0
    far = float(explained_variance(data, torch.tensor([[[5.0]]])))
    assert far == pytest.approx(1 - (25 + 9) / 2)  # worse than the mean
    assert math.isnan(float(explained_variance(torch.ones(4, 1), torch.tensor([[[1.0]]]))))


def test_explained_variance_uses_the_map_metric_for_the_bmu() -> None:
    # from (0, 0), manhattan prefers unit (1.5, 0) (1.5 against 2) and euclidean prefers
    # unit (1, 1) (1.41 against 1.5); both send (3, 3) to (1, 1). Total scatter 9.
    weights = torch.tensor([[[1.5, 0.0], [1.0, 1.0]]])
    data = torch.tensor([[0.0, 0.0], [3.0, 3.0]])
    assert float(explained_variance(data, weights, manhattan_cross)) == pytest.approx(
        1 - (1.5**2 + 8) / 9)
    assert float(explained_variance(data, weights, euclidean_cross)) == pytest.approx(
        1 - (2 + 8) / 9)
