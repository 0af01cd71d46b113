"""Chunked BMU search, QE/TE on hand-made codebooks, initialisation, grid smoothing."""

from __future__ import annotations

import math

import pytest
import torch

import torchsom.functional.bmu as bmu_module
from torchsom.functional.bmu import chunk_size_for, topk_bmus
from torchsom.functional.distances import euclidean_cross, manhattan_cross
from torchsom.functional.initialization import initialize_weights, pca_init, random_init
from torchsom.functional.metrics import quantization_error, topographic_error
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.functional.smoothing import GridIndex, GridKernel
from torchsom.topology import grid_distance_sq, grid_periods, grid_positions

# 3x3 codebook: neuron (r, c) holds (r, c) in feature space
GRID3 = torch.tensor([[float(r), float(c)] for r in range(3) for c in range(3)])


def _positions(x: int, y: int, topology: str = "rectangular") -> torch.Tensor:
    r, c = grid_positions(x, y, topology)
    return torch.stack((r.reshape(-1), c.reshape(-1)), 1)


def test_topk_finds_nearest_and_ties_go_to_lowest_index() -> None:
    data = torch.tensor([[0.1, 0.1], [2.0, 1.9], [0.5, 0.0]])  # last is a tie 0 vs 1
    dist, idx = topk_bmus(data, GRID3, euclidean_cross, k=1)
    assert idx[:, 0].tolist() == [0, 8, 0]
    assert dist[:, 0].tolist() == pytest.approx([math.hypot(0.1, 0.1), 0.1, 0.5], abs=1e-6)


def test_topk_chunked_equals_unchunked_for_every_metric() -> None:
    gen = torch.Generator().manual_seed(0)
    data, codebook = torch.randn(257, 6, generator=gen), torch.randn(40, 6, generator=gen)
    for cross in (euclidean_cross, manhattan_cross):
        d_all, i_all = topk_bmus(data, codebook, cross, k=3, chunk_size=1000)
        d_chunk, i_chunk = topk_bmus(data, codebook, cross, k=3, chunk_size=7)
        assert torch.equal(i_all, i_chunk) and torch.allclose(d_all, d_chunk)
        brute = cross(data, codebook).sort(dim=1)
        assert torch.allclose(d_all, brute.values[:, :3], atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("exact", [True, False])
def test_numpy_search_equals_the_torch_search(monkeypatch, dtype, k, exact) -> None:
    gen = torch.Generator().manual_seed(1)
    data = torch.randn(301, 9, generator=gen, dtype=dtype) + 3.0
    codebook = torch.randn(37, 9, generator=gen, dtype=dtype) + 3.0
    d_torch, i_torch = topk_bmus(data, codebook, euclidean_cross, k=k, chunk_size=64,
                                 exact=exact, prefer_numpy=False)
    spy = []
    real = bmu_module._numpy_topk
    monkeypatch.setattr(bmu_module, "_numpy_topk", lambda *a: spy.append(1) or real(*a))
    for chunk in (64, 1000):  # partial last chunk; one chunk
        d_np, i_np = topk_bmus(data, codebook, euclidean_cross, k=k, chunk_size=chunk,
                               exact=exact)
        assert torch.equal(i_np, i_torch) and d_np.dtype == dtype
        torch.testing.assert_close(d_np, d_torch, rtol=1e-5, atol=1e-5)
    assert len(spy) == 2
    brute = euclidean_cross(data, codebook).sort(dim=1)
    torch.testing.assert_close(d_np, brute.values[:, :k], rtol=1e-4, atol=1e-4)


def test_numpy_search_only_serves_cpu_float_tensors_without_grad() -> None:
    ready = bmu_module._numpy_ready
    x, w = torch.randn(4, 3), torch.randn(5, 3)
    assert ready(x, w)
    assert not ready(x.double(), w)
    assert not ready(x.half(), w.half())
    assert not ready(x, w.requires_grad_())
    assert not ready(x, torch.randn(1, 3))


def test_chunk_size_follows_the_memory_budget() -> None:
    assert chunk_size_for(1000, budget_bytes=8_000_000) == 524  # ~2 MiB of scores
    assert chunk_size_for(100, budget_bytes=8_000_000) == 4096
    assert chunk_size_for(10**6) == 8  # the memory budget wins
    assert chunk_size_for(10**9) == 1


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


def test_random_init_copies_samples_with_the_generator() -> None:
    data = torch.arange(20.0).reshape(10, 2)
    a = random_init(data, 2, 3, torch.Generator().manual_seed(5))
    b = random_init(data, 2, 3, torch.Generator().manual_seed(5))
    assert a.shape == (2, 3, 2) and torch.equal(a, b)
    rows = {tuple(r) for r in data.tolist()}
    assert all(tuple(v) in rows for v in a.reshape(-1, 2).tolist())


def test_pca_init_spans_each_axis_by_its_own_std() -> None:
    # data on a known plane: first axis std 3 along e0, second std 1 along e1
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 2, generator=gen)
    z = (z - z.mean(0)) / z.std(0)
    data = torch.zeros(4000, 3)
    data[:, 0] = 3 * z[:, 0] + 5.0
    data[:, 1] = z[:, 1]
    codebook = pca_init(data, 3, 2)  # 3 rows (longer axis) × 2 cols
    assert codebook.shape == (3, 2, 3)
    corners = codebook[[0, 2], 0, 0]
    root3 = math.sqrt(3)
    assert sorted(corners.tolist()) == pytest.approx([5 - 3 * root3, 5 + 3 * root3], abs=0.1)
    assert codebook[1, [0, 1], 1].abs().tolist() == pytest.approx([root3, root3], abs=0.05)
    assert torch.allclose(codebook[1, :, 0], torch.full((2,), 5.0), atol=0.05)


def test_pca_init_hexagonal_rows_stay_straight_and_monotone() -> None:
    gen = torch.Generator().manual_seed(1)
    data = torch.randn(500, 3, generator=gen) * torch.tensor([4.0, 2.0, 0.1])
    codebook = pca_init(data, 6, 4, "hexagonal")
    first = codebook[..., 0]  # the longer (row) axis follows the first component
    assert (first[1:] - first[:-1]).sign().abs().sum() > 0
    diffs = first[1:, 0] - first[:-1, 0]
    assert bool((diffs > 0).all() or (diffs < 0).all())


def test_initialize_weights_function_errors() -> None:
    weights = torch.zeros(2, 2, 1)
    with pytest.raises(ValueError, match="at least 2 features"):
        initialize_weights(weights, torch.zeros(5, 1), "pca")
    with pytest.raises(ValueError, match="only 'random' or 'pca'"):
        initialize_weights(weights, torch.zeros(5, 1), "grid")
    assert initialize_weights(weights, torch.ones(5, 1), "random").shape == (2, 2, 1)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("pbc", [False, True])
@pytest.mark.parametrize("name", ["gaussian", "bubble", "triangle", "mexican_hat"])
def test_grid_kernel_rows_and_smoothing_match_dense_reference(
    topology: str, pbc: bool, name: str
) -> None:
    x, y = 4, 5
    pos = _positions(x, y, topology)
    periods = grid_periods(x, y, topology) if pbc else None
    kernel_fn = NEIGHBORHOOD_FUNCTIONS[name]
    dense = kernel_fn(grid_distance_sq(pos, torch.arange(x * y), periods), 1.3)  # (n, n)
    kernel = GridKernel(GridIndex(x, y, topology, pos, periods), kernel_fn, 1.3)
    bmus = torch.tensor([0, 7, 19, 7])
    assert torch.allclose(kernel.rows(bmus), dense[bmus], atol=1e-6)
    values = torch.randn(x * y, 3, generator=torch.Generator().manual_seed(2))
    assert torch.allclose(kernel.smooth(values, chunk=6), dense.T @ values, atol=1e-5)


@pytest.mark.parametrize("k", [1, 2])
def test_smallest_matches_topk_with_ties_to_the_lowest_index(k) -> None:
    scores = torch.tensor([[3.0, 1.0, 1.0, 0.5], [2.0, 2.0, 5.0, 2.0], [0.0, 9.0, 8.0, 7.0]])
    values, idx = bmu_module.smallest(scores.clone(), k)
    if k == 2:
        assert idx.tolist() == [[3, 1], [0, 1], [0, 3]]
        assert values.tolist() == [[0.5, 1.0], [2.0, 2.0], [0.0, 7.0]]
    else:
        assert idx.tolist() == [[3], [0], [0]]
        assert values[:, 0].tolist() == [0.5, 2.0, 0.0]
    assert idx.is_contiguous() and values.is_contiguous()
