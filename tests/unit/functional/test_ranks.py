"""Trustworthiness, continuity and neighbourhood preservation (functional/ranks.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.manifold import trustworthiness as sklearn_trustworthiness

import torchsom.functional.ranks as ranks
from torchsom.functional.ranks import (
    argsort_rows,
    continuity,
    neighborhood_preservation,
    rank_measures,
    tie_counts,
    tie_group_means,
    trustworthiness,
)
from torchsom.topology import grid_positions


def _projection(n: int, seed: int, dtype: torch.dtype = torch.float64):
    gen = torch.Generator().manual_seed(seed)
    data = torch.randn(n, 5, generator=gen, dtype=dtype)
    embedded = data[:, :2].double() + 0.7 * torch.randn(n, 2, generator=gen,
                                                        dtype=torch.float64)
    return data, embedded


@pytest.mark.parametrize("k", [1, 5, 12, 30])
def test_trustworthiness_and_continuity_equal_scikit_learn(k: int) -> None:
    data, embedded = _projection(150, seed=k)
    t, c, _ = rank_measures(data, embedded, k)
    assert float(t) == pytest.approx(
        sklearn_trustworthiness(data.numpy(), embedded.numpy(), n_neighbors=k), abs=1e-12)
    # continuity is trustworthiness with the two spaces swapped
    assert float(c) == pytest.approx(
        sklearn_trustworthiness(embedded.numpy(), data.numpy(), n_neighbors=k), abs=1e-12)


def test_float32_data_agrees_with_scikit_learn() -> None:
    data, embedded = _projection(120, seed=7, dtype=torch.float32)
    expected = sklearn_trustworthiness(data.double().numpy(), embedded.numpy(), n_neighbors=6)
    assert float(trustworthiness(data, embedded, 6)) == pytest.approx(expected, abs=1e-6)


def test_identity_projection_scores_one() -> None:
    data, _ = _projection(60, seed=1)
    flat = data[:, :2].contiguous()
    t, c, p = rank_measures(flat, flat, 4)
    assert (float(t), float(c), float(p)) == pytest.approx((1.0, 1.0, 1.0))


def test_hand_made_projection() -> None:
    # data on a line at 0, 1, 3, 7; nearest neighbours 0→1, 1→0, 3→1, 7→3
    data = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    # embedded at 0, 1, 10, 11: sample 2's embedded neighbour is sample 3, whose data
    # rank from sample 2 is 3 (penalty 2); sample 2's data neighbour (sample 1) has
    # embedded rank 2 (penalty 1). G = N k (2N − 3k − 1) = 16.
    embedded = torch.tensor([[0.0], [1.0], [10.0], [11.0]])
    t, c, p = rank_measures(data, embedded, 1)
    assert float(t) == pytest.approx(1 - 2 * 2 / 16)
    assert float(c) == pytest.approx(1 - 2 * 1 / 16)
    assert float(p) == pytest.approx(3 / 4)


def test_worst_case_with_k_above_half_scores_zero() -> None:
    # every sample's 2 embedded neighbours include its farthest data point: the largest
    # penalty N (N − k)(N − k − 1) / 2 allowed for k >= N/2 (scikit-learn refuses k >= N/2)
    data = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    embedded = torch.tensor([[0.0], [0.25], [-0.15], [0.1]])
    assert float(trustworthiness(data, embedded, 2)) == pytest.approx(0.0, abs=1e-12)


def test_periodic_embedding_closes_the_ring() -> None:
    angle = torch.arange(12, dtype=torch.float64) * (2 * math.pi / 12)
    circle = torch.stack((angle.cos(), angle.sin()), 1)
    ring = torch.stack((torch.zeros(12, dtype=torch.float64),
                        torch.arange(12, dtype=torch.float64)), 1)
    open_t = float(trustworthiness(circle, ring, 2))
    closed = rank_measures(circle, ring, 2, periods=(1.0, 12.0))
    assert [float(v) for v in closed] == pytest.approx([1.0, 1.0, 1.0])
    assert open_t < 1.0 and float(continuity(circle, ring, 2)) < 1.0  # the seam tears


# ----------------------------------------------------------------------------- ties
def _orders(others: list[int], key: np.ndarray) -> list[list[int]]:
    """Every order of ``others`` ascending in ``key``, tied entries in every order."""
    groups = [list(g) for _, g in itertools.groupby(sorted(others, key=lambda j: key[j]),
                                                    key=lambda j: key[j])]
    return [sum(parts, []) for parts in itertools.product(
        *(list(map(list, itertools.permutations(g))) for g in groups))]


def _brute_force(data_d: np.ndarray, map_d: np.ndarray, k: int) -> tuple[float, ...]:
    """Average of the published definitions over every tie-breaking."""
    n = len(data_d)
    penalty_t = penalty_c = shared = 0.0
    for i in range(n):
        others = [j for j in range(n) if j != i]
        by_data, by_map = _orders(others, data_d[i]), _orders(others, map_d[i])
        rank_d = {j: np.mean([o.index(j) + 1 for o in by_data]) for j in others}
        near_d = {j: np.mean([o.index(j) < k for o in by_data]) for j in others}
        excess_d = {j: np.mean([max(o.index(j) + 1 - k, 0) for o in by_data]) for j in others}
        near_m = {j: np.mean([o.index(j) < k for o in by_map]) for j in others}
        excess_m = {j: np.mean([max(o.index(j) + 1 - k, 0) for o in by_map]) for j in others}
        assert rank_d  # every j has a rank
        penalty_t += sum(near_m[j] * excess_d[j] for j in others)
        penalty_c += sum(near_d[j] * excess_m[j] for j in others)
        shared += sum(near_d[j] * near_m[j] for j in others)
    worst = n * k * (2 * n - 3 * k - 1) if 2 * k < n else n * (n - k) * (n - k - 1)
    return 1 - 2 * penalty_t / worst, 1 - 2 * penalty_c / worst, shared / (n * k)


@pytest.mark.parametrize("topology,pbc", [("rectangular", False), ("hexagonal", False),
                                          ("rectangular", True)])
@pytest.mark.parametrize("k", [1, 2, 4])
def test_ties_give_the_average_over_every_tie_breaking(topology, pbc, k) -> None:
    # 8 samples on the 4 neurons of a 2×2 map (shared BMUs) with tied integer data
    data = torch.tensor([[0.0], [1.0], [1.0], [2.0], [4.0], [4.0], [5.0], [7.0]],
                        dtype=torch.float64)
    bmu = torch.tensor([0, 0, 1, 1, 3, 2, 3, 3])
    rows, cols = grid_positions(2, 2, topology, dtype=torch.float64)
    embedded = torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)[bmu]
    periods = (2.0, 2.0) if pbc else None
    got = rank_measures(data, embedded, k, periods=periods, decimals=6)
    data_d = (data - data.T).abs().numpy()
    delta = embedded.unsqueeze(1) - embedded.unsqueeze(0)
    if pbc:
        delta = delta - 2.0 * torch.round(delta / 2.0)
    map_d = np.round((delta**2).sum(-1).numpy(), 6)
    assert [float(v) for v in got] == pytest.approx(_brute_force(data_d, map_d, k), abs=1e-12)


def test_tie_counts_weighted_and_plain() -> None:
    keys = torch.tensor([[3.0, 1.0, 3.0, 0.0, 3.0]], dtype=torch.float64)
    below, tied = tie_counts(keys)
    assert below.tolist() == [[2.0, 1.0, 2.0, 0.0, 2.0]] and tied.tolist() == [[3, 1, 3, 1, 3]]
    below, tied = tie_counts(keys, torch.tensor([1, 2, 3, 4, 5]))
    assert below.tolist() == [[6.0, 4.0, 6.0, 0.0, 6.0]]
    assert tied.tolist() == [[9.0, 2.0, 9.0, 4.0, 9.0]]


def test_row_order_is_the_same_through_numpy_and_torch() -> None:
    keys = torch.tensor([[3.0, 1.0, 2.0], [0.5, 2.5, 1.5]])
    assert argsort_rows(keys).tolist() == [[1, 2, 0], [0, 2, 1]]  # numpy (CPU floats)
    assert argsort_rows(keys.half()).tolist() == [[1, 2, 0], [0, 2, 1]]  # torch elsewhere


def test_tie_group_means() -> None:
    keys = torch.tensor([[0.0, 1.0, 1.0, 2.0]])
    values = torch.tensor([[5.0, 1.0, 3.0, 7.0]])
    assert tie_group_means(values, keys).tolist() == [[5.0, 2.0, 2.0, 7.0]]


# ----------------------------------------------------------------------------- large data
def test_subsample_is_the_exact_measure_of_a_seeded_subset() -> None:
    data, embedded = _projection(300, seed=3)
    got = rank_measures(data, embedded, 5, sample_size=100, random_state=11)
    chosen = torch.randperm(300, generator=torch.Generator().manual_seed(11))[:100].sort().values
    expected = rank_measures(data[chosen], embedded[chosen], 5, sample_size=None)
    assert [float(v) for v in got] == [float(v) for v in expected]
    other = rank_measures(data, embedded, 5, sample_size=100, random_state=12)
    assert float(other[0]) != float(got[0])
    state = torch.get_rng_state()
    rank_measures(data, embedded, 5, sample_size=100)
    assert torch.equal(state, torch.get_rng_state())  # the global generator is untouched


def test_small_chunks_give_the_same_values(monkeypatch) -> None:
    data, embedded = _projection(90, seed=4)
    embedded = embedded.round()  # shared positions, like a map
    whole = rank_measures(data, embedded, 3)
    monkeypatch.setattr(ranks, "DEFAULT_MEMORY_BUDGET", 1)  # one query row per chunk
    chunked = rank_measures(data, embedded, 3)
    assert [float(v) for v in chunked] == pytest.approx([float(v) for v in whole], abs=1e-12)


def test_numpy_and_list_input() -> None:
    data, embedded = _projection(40, seed=5)
    expected = float(neighborhood_preservation(data, embedded, 3))
    assert float(neighborhood_preservation(data.numpy(), embedded.tolist(), 3)) == expected


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("k", [0, 9, 10, 25])
def test_k_out_of_range_is_rejected(k: int) -> None:
    data, embedded = _projection(10, seed=0)
    with pytest.raises(ValueError, match=r"k"):
        trustworthiness(data, embedded, k)


def test_k_error_names_the_limit_and_the_subsample() -> None:
    data, embedded = _projection(50, seed=0)
    with pytest.raises(ValueError, match=r"k=10 is too large.*n_samples - 2 = 8.*sample_size=10"):
        trustworthiness(data, embedded, 10, sample_size=10)
    with pytest.raises(ValueError, match=r"k must be an int >= 1; got True"):
        trustworthiness(data, embedded, True)


def test_bad_data_and_embedding_are_rejected() -> None:
    data, embedded = _projection(20, seed=0)
    holed = data.clone()
    holed[4, 1] = math.nan
    with pytest.raises(ValueError, match=r"data contains 1 NaN.*row 4"):
        continuity(holed, embedded)
    with pytest.raises(ValueError, match=r"data is empty"):
        continuity(torch.empty(0, 5), torch.empty(0, 2))
    with pytest.raises(ValueError, match=r"embedded must have one row per sample.*20"):
        continuity(data, embedded[:-1])
    with pytest.raises(ValueError, match=r"sample_size must be an int >= 3"):
        continuity(data, embedded, 1, sample_size=2)
