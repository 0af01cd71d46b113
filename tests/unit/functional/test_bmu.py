"""The chunked top-k BMU search: nearest units, ties, chunking, the numpy path."""

from __future__ import annotations

import math

import pytest
import torch

import torchsom.functional.bmu as bmu_module
from torchsom.functional.bmu import chunk_size_for, topk_bmus
from torchsom.functional.distances import euclidean_cross, manhattan_cross

# 3x3 codebook: neuron (r, c) holds (r, c) in feature space
GRID3 = torch.tensor([[float(r), float(c)] for r in range(3) for c in range(3)])


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
