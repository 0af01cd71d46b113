"""The numpy mini-batch loop computes what the torch loop computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import torchsom.functional.blas as blas
import torchsom.functional.host_loop as host_loop
from torchsom.functional.blas import blas_threads
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.host_loop import HostMinibatchLoop
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.functional.smoothing import GridIndex, GridKernel
from torchsom.functional.training import minibatch_epoch
from torchsom.topology.coordinates import grid_periods, grid_positions


def _grid(x: int, y: int, topology: str, pbc: bool) -> GridIndex:
    positions = torch.stack(grid_positions(x, y, topology, dtype=torch.float32), -1).reshape(-1, 2)
    periods = grid_periods(x, y, topology) if pbc else None
    return GridIndex(x, y, topology, positions, periods)


@pytest.mark.parametrize("large", [False, True], ids=["small-codebook", "large-codebook"])
@pytest.mark.parametrize(
    ("topology", "pbc", "dtype", "n", "batch", "tables", "features"),
    [
        ("rectangular", False, torch.float32, 203, 16, True, 6),  # partial last batch
        ("hexagonal", False, torch.float32, 96, 8, True, 6),
        ("rectangular", True, torch.float64, 64, 5, True, 6),
        ("hexagonal", True, torch.float32, 77, 16, False, 6),  # per-batch gathers instead
        ("rectangular", False, torch.float32, 50, 16, True, 130),  # long rows
    ],
)
def test_epochs_match_the_torch_loop(monkeypatch, large, topology, pbc, dtype, n, batch, tables,
                                     features) -> None:
    gen = torch.Generator().manual_seed(3)
    x, y = 7, 5
    grid = _grid(x, y, topology, pbc)
    data = torch.randn(n, features, generator=gen, dtype=dtype)
    start = torch.randn(x * y, features, generator=gen, dtype=dtype) * 0.3
    gaussian = NEIGHBORHOOD_FUNCTIONS["gaussian"]
    monkeypatch.setattr(host_loop, "LARGE_CODEBOOK", 0 if large else 10**9)
    loop = HostMinibatchLoop(grid, data, batch)
    assert loop.large is large
    loop.per_neuron_tables = tables
    ours, reference = start.clone(), start.clone()
    for epoch, (lr, sigma) in enumerate([(0.9, 2.0), (0.6, 1.2), (0.3, 0.6)]):
        kernel = GridKernel(grid, gaussian, sigma, dtype)
        assert HostMinibatchLoop.applies(data, kernel.separable, True, x * y)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(epoch))
        target = ours if epoch else ours.t().contiguous().t()  # a strided codebook once
        dist, best = loop.epoch(target, order, lr, kernel)
        if target is not ours:
            ours.copy_(target)
        ref_dist, ref_best = minibatch_epoch(reference, data[order], batch, lr, kernel,
                                             euclidean_cross)
        assert torch.equal(best, ref_best)
        torch.testing.assert_close(dist, ref_dist, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-5)
    assert not torch.equal(ours, start)


def test_only_euclidean_separable_cpu_float_fits_apply() -> None:
    grid = _grid(4, 4, "rectangular", False)
    data = torch.randn(10, 3)
    gaussian = GridKernel(grid, NEIGHBORHOOD_FUNCTIONS["gaussian"], 1.0)
    mexican = GridKernel(grid, NEIGHBORHOOD_FUNCTIONS["mexican_hat"], 1.0)
    applies = HostMinibatchLoop.applies
    assert applies(data, gaussian.separable, True, 16)
    assert not applies(data, gaussian.separable, False, 16)
    assert not applies(data, mexican.separable, True, 16)
    assert not applies(data, gaussian.separable, True, 1)
    assert not applies(data.to(torch.bfloat16), gaussian.separable, True, 16)


def test_blas_threads_limits_and_restores() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_counts() -> list[int]:  # numpy's own BLAS (scipy or faiss may load others)
        return [m["num_threads"] for m in threadpoolctl.threadpool_info()
                if m["user_api"] == "blas" and "numpy" in m["filepath"]]

    before = blas_counts()
    if not before:
        pytest.skip("numpy reports no BLAS thread pool")
    with blas_threads(1):
        assert blas_counts() == [1] * len(before)
        np.ones((4, 4)) @ np.ones((4, 4))
    assert blas_counts() == before
    assert blas._backend()[0] == "openblas"  # numpy's wheel: driven without a library scan


@pytest.mark.parametrize(("distance", "expected"), [("euclidean", True), ("cosine", False)])
def test_fit_runs_the_host_loop_where_it_applies(monkeypatch, distance, expected) -> None:
    from torchsom import SOM

    calls = []
    real = HostMinibatchLoop.epoch

    def spy(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HostMinibatchLoop, "epoch", spy)
    som = SOM(x=5, y=4, num_features=3, epochs=2, batch_size=4, distance_function=distance,
              random_seed=0)
    q, t = som.fit(torch.randn(20, 3, generator=torch.Generator().manual_seed(0)),
                   verbose=False)
    assert len(q) == len(t) == 2
    assert bool(calls) is expected


def test_blas_threads_falls_back_to_threadpoolctl(monkeypatch) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.setattr(blas, "_BACKEND", [])
    monkeypatch.setattr(blas, "_bundled_openblas", lambda: None)
    def blas_counts() -> list[int]:
        return [m["num_threads"] for m in threadpoolctl.threadpool_info()
                if m["user_api"] == "blas"]

    before = blas_counts()
    with blas_threads(1):
        assert blas._backend()[0] == "threadpoolctl"
        assert blas_counts() == [1] * len(before)
    assert blas_counts() == before
