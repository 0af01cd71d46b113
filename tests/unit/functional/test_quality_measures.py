"""Map quality measures on hand-made codebooks (functional/quality.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from torchsom.functional.distances import manhattan_cross
from torchsom.functional.quality import (
    QUALITY_MEASURES,
    distortion,
    evaluate_map,
    explained_variance,
    quantization_error,
    rank_measures,
    topographic_error,
    topographic_product,
)
from torchsom.topology import grid_distance_sq, grid_periods, grid_positions, neighbor_table

# 3×3 codebook: neuron (r, c) holds (r, c) in feature space
GRID3 = torch.tensor([[[float(r), float(c)] for c in range(3)] for r in range(3)])


def _positions(x: int, y: int, topology: str) -> torch.Tensor:
    rows, cols = grid_positions(x, y, topology, dtype=torch.float64)
    return torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)


def _random_map(x: int, y: int, features: int = 3, n: int = 200, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, features, generator=gen), torch.randn(x, y, features, generator=gen)


# ----------------------------------------------------------------------------- QE
def test_quantization_error_hand_made() -> None:
    data = torch.tensor([[0.0, 0.0], [0.3, 0.4], [2.0, 2.5], [1.0, 1.0]])
    assert float(quantization_error(data, GRID3)) == pytest.approx((0 + 0.5 + 0.5 + 0) / 4)
    assert float(quantization_error(data, GRID3, manhattan_cross)) == pytest.approx(
        (0 + 0.7 + 0.5 + 0) / 4)


# ----------------------------------------------------------------------------- TE
def test_topographic_error_counts_the_seam_on_a_torus() -> None:
    # a 1×3 line holding 0, 2, 1: the sample at 0.4 has units 0 and 2 as its two best,
    # two cells apart on the open line but neighbours across the seam
    line = torch.tensor([[[0.0], [2.0], [1.0]]])
    sample = torch.tensor([[0.4]])
    assert float(topographic_error(sample, line)) == 1.0
    assert float(topographic_error(sample, line, pbc=True)) == 0.0


def test_topographic_error_hexagonal_diagonal_is_not_adjacent() -> None:
    # best two units (0, 0) and (1, 1): diagonal neighbours on a rectangular grid, but on
    # odd-r hexagons (1, 1) sits at (√3/2, 1.5), √3 away from (0, 0)
    weights = torch.tensor([[[0.0, 0.0], [10.0, 0.0]], [[0.0, 10.0], [1.0, 0.0]]])
    sample = torch.tensor([[0.4, 0.0]])
    assert float(topographic_error(sample, weights, "rectangular")) == 0.0
    assert float(topographic_error(sample, weights, "hexagonal")) == 1.0
    # (0, 1) and (1, 1) touch on the hexagonal grid
    weights = torch.tensor([[[10.0, 0.0], [0.0, 0.0]], [[0.0, 10.0], [1.0, 0.0]]])
    assert float(topographic_error(sample, weights, "hexagonal")) == 0.0


@pytest.mark.parametrize("topology,pbc", [("rectangular", False), ("rectangular", True),
                                          ("hexagonal", False), ("hexagonal", True)])
def test_topographic_error_agrees_with_the_neighbour_offsets(topology: str, pbc: bool) -> None:
    data, weights = _random_map(4, 5, seed=1)
    table = neighbor_table(4, 5, topology, 1, pbc)
    _, best = torch.cdist(data, weights.reshape(20, 3)).topk(2, largest=False)
    adjacent = [(int(b) in table[int(a)].tolist()) for a, b in best.tolist()]
    expected = 1.0 - sum(adjacent) / len(adjacent)
    assert float(topographic_error(data, weights, topology, pbc)) == pytest.approx(expected)


# ----------------------------------------------------------------------------- product
@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_topographic_product_is_zero_when_the_codebook_is_the_grid(topology: str) -> None:
    weights = _positions(4, 5, topology).reshape(4, 5, 2)
    assert float(topographic_product(weights, topology)) == pytest.approx(0.0, abs=1e-12)
    assert float(topographic_product(3.0 * weights, topology)) == pytest.approx(0.0, abs=1e-12)


def _orders(others: list[int], key: np.ndarray) -> list[list[int]]:
    groups = [list(g) for _, g in itertools.groupby(sorted(others, key=lambda j: key[j]),
                                                    key=lambda j: key[j])]
    return [sum(parts, []) for parts in itertools.product(
        *(list(map(list, itertools.permutations(g))) for g in groups))]


def _brute_force_product(feature: np.ndarray, grid: np.ndarray) -> float:
    """The published product, averaged over every order of tied grid distances."""
    m = len(feature)
    total = 0.0
    for j in range(m):
        others = [n for n in range(m) if n != j]
        values = []
        for by_a in _orders(others, np.round(grid[j] ** 2, 6)):
            for by_v in _orders(others, feature[j]):
                log_p3 = 0.0
                for k in range(1, m):
                    q = sum(math.log(feature[j, by_a[l]] / feature[j, by_v[l]])
                            + math.log(grid[j, by_a[l]] / grid[j, by_v[l]]) for l in range(k))
                    log_p3 += q / (2 * k)
                values.append(log_p3)
        total += float(np.mean(values))
    return total / (m * (m - 1))


@pytest.mark.parametrize("x,y,topology,pbc", [(2, 3, "rectangular", False),
                                              (3, 2, "hexagonal", False),
                                              (2, 2, "rectangular", True)])
def test_topographic_product_averages_over_tied_grid_orders(x, y, topology, pbc) -> None:
    _, weights = _random_map(x, y, features=3, seed=5)
    codebook = weights.reshape(x * y, 3).double()
    positions = _positions(x, y, topology)
    periods = grid_periods(x, y, topology) if pbc else None
    grid = grid_distance_sq(positions, torch.arange(x * y), periods).sqrt().numpy()
    expected = _brute_force_product(torch.cdist(codebook, codebook).numpy(), grid)
    got = float(topographic_product(weights.double(), topology, pbc))
    assert got == pytest.approx(expected, abs=1e-10)


def test_topographic_product_sign_follows_the_grid_dimension() -> None:
    # a 1-D chain of data on a square grid (grid too high-dimensional: P > 0) and a
    # square of data on a 1-D line of neurons (grid too low-dimensional: P < 0)
    chain = torch.arange(16.0).reshape(4, 4, 1)
    assert float(topographic_product(chain)) > 0.0
    square = _positions(4, 4, "rectangular").float().reshape(1, 16, 2)
    assert float(topographic_product(square)) < 0.0


def test_topographic_product_on_a_neuron_subset() -> None:
    _, weights = _random_map(6, 6, seed=6)
    full = float(topographic_product(weights, sample_size=None))
    assert float(topographic_product(weights, sample_size=36)) == pytest.approx(full)
    part = float(topographic_product(weights, sample_size=12, random_state=1))
    assert part != full and part == float(topographic_product(weights, sample_size=12,
                                                                random_state=1))


# ----------------------------------------------------------------------------- together
@pytest.mark.parametrize("topology,pbc", [("rectangular", False), ("hexagonal", True)])
def test_evaluate_map_equals_the_single_measures(topology: str, pbc: bool) -> None:
    data, weights = _random_map(4, 4, n=120, seed=7)
    report = evaluate_map(data, weights, topology=topology, pbc=pbc, sigma=1.2, k=4)
    assert tuple(report) == QUALITY_MEASURES
    assert all(isinstance(v, float) for v in report.values())
    assert report["quantization_error"] == pytest.approx(float(quantization_error(data, weights)))
    assert report["topographic_error"] == pytest.approx(
        float(topographic_error(data, weights, topology, pbc)))
    assert report["distortion"] == pytest.approx(
        float(distortion(data, weights, 1.2, topology=topology, pbc=pbc)))
    assert report["explained_variance"] == pytest.approx(
        float(explained_variance(data, weights)))
    assert report["topographic_product"] == pytest.approx(
        float(topographic_product(weights, topology, pbc)))
    bmu = torch.cdist(data, weights.reshape(16, 3)).argmin(1)
    periods = grid_periods(4, 4, topology) if pbc else None
    t, c, p = rank_measures(data, _positions(4, 4, topology)[bmu], 4, periods=periods,
                            decimals=6)
    assert (report["trustworthiness"], report["continuity"],
            report["neighborhood_preservation"]) == pytest.approx((float(t), float(c),
                                                                   float(p)))
    assert (report.k, report.sigma, report.n_samples) == (4, 1.2, 120)
    assert (report.rank_samples, report.subsampled) == (120, False)


def test_evaluate_map_reports_its_subsample() -> None:
    data, weights = _random_map(3, 3, n=500, seed=8)
    report = evaluate_map(data, weights, sample_size=100)
    assert (report.rank_samples, report.subsampled) == (100, True)
    assert report == evaluate_map(data, weights, sample_size=100)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("measure", [
    lambda d, w: topographic_error(d, w),
    lambda d, w: topographic_product(w),
    lambda d, w: evaluate_map(d, w),
])
def test_one_neuron_maps_are_rejected(measure) -> None:
    with pytest.raises(ValueError, match=r"at least 2 neurons; weights has shape \(1, 1, 2\)"):
        measure(torch.zeros(5, 2), torch.zeros(1, 1, 2))


def test_bad_arguments_are_rejected() -> None:
    data, weights = _random_map(3, 3, n=20)
    with pytest.raises(ValueError, match=r"weights must be a tensor of shape \(x, y, "):
        quantization_error(data, weights.reshape(9, 3))
    with pytest.raises(ValueError, match=r"sigma must be a finite real number > 0; got 0"):
        distortion(data, weights, 0.0)
    with pytest.raises(ValueError, match=r"data must have 3 features"):
        explained_variance(data[:, :2], weights)
    holed = data.clone()
    holed[3, 0] = math.inf
    with pytest.raises(ValueError, match=r"data contains 1 inf.*row 3"):
        evaluate_map(holed, weights)
    with pytest.raises(ValueError, match=r"k=19 is too large.*n_samples - 2 = 18"):
        evaluate_map(data, weights, k=19)
    with pytest.raises(ValueError, match=r"k=9 is too large.*sample_size=10"):
        evaluate_map(data, weights, k=9, sample_size=10)
    with pytest.raises(ValueError, match=r"topology='square' is not valid"):
        topographic_error(data, weights, "square")
    with pytest.raises(ValueError, match=r"even number of rows x, got x=3"):
        topographic_product(weights, "hexagonal", pbc=True)
