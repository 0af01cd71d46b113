"""The online rule's compiled loop (torchsom/_engine/online_jit.py): same maps as the
numpy loop and the float64 reference, its Python source equal to the compiled code, and
numba imported only by the first online fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_online import GRIDS, _case, _grid, _orders, engine_online, reference_online

import torchsom._engine.online_jit as online_jit
from torchsom.functional.distances import CROSS_DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS


@pytest.mark.parametrize(("topology", "pbc"), GRIDS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_numpy_loop_without_the_compiled_kernel(monkeypatch, topology, pbc, dtype):
    """Where numba is absent the numpy backend runs its written-out loop; both match the
    reference (and so each other)."""
    data, codebook = _case(dtype, neurons=6 * 3)
    positions, periods = _grid(topology, pbc, x=6, y=3)
    kernel = NEIGHBORHOOD_FUNCTIONS["gaussian"]
    cross = CROSS_DISTANCE_FUNCTIONS["euclidean"]
    expected, _, _ = reference_online(codebook, data, _orders(len(data)), positions, periods,
                                      kernel, cross, topology=topology)
    tolerance = 2e-4 if dtype == torch.float32 else 1e-9
    for available in (False, online_jit.AVAILABLE):
        monkeypatch.setattr(online_jit, "AVAILABLE", available)
        trained, _, _ = engine_online(codebook, data, topology, pbc, kernel, cross, "numpy",
                                      x=6, y=3)
        torch.testing.assert_close(trained.double(), expected, rtol=tolerance, atol=tolerance)


@pytest.mark.skipif(not online_jit.AVAILABLE, reason="needs numba")
def test_compiled_kernel_source_runs_as_python():
    """The kernel's Python source (what numba compiles) gives the compiled results: BMUs,
    second BMUs, scores and the moved codebook with its norms column."""
    rng = np.random.default_rng(0)
    x, y, features, steps = 4, 3, 5, 9
    weights = rng.standard_normal((x * y, features))
    augmented = np.concatenate([weights, (weights**2).sum(1, keepdims=True)], axis=1)
    staged = rng.standard_normal((steps, features))
    rows = np.exp(-np.arange(-(x - 1), x) ** 2 / 2.0)[None].repeat(steps, 0) * 0.5
    cols = np.exp(-np.arange(-(y - 1), y) ** 2 / 2.0)[None].repeat(steps, 0)
    reach = np.full(steps, 1, np.int64)
    results = []
    for kernel in (online_jit.online_block, online_jit._online_block):  # compiled, Python
        codebook = augmented.copy()
        best, second = np.empty(steps, np.int64), np.empty(steps, np.int64)
        value = np.empty(steps)
        kernel(codebook, staged, best, value, second, rows, cols, np.zeros((1, 1, 1, 1)),
               True, False, reach, reach, x, y, True, np.float64(0))
        results.append((codebook, best, second, value))
    for compiled, python in zip(*results):
        np.testing.assert_allclose(compiled, python, rtol=1e-12, atol=1e-12)
    codebook, best = results[1][0], results[1][1]
    np.testing.assert_allclose(codebook[:, -1], (codebook[:, :-1] ** 2).sum(1), rtol=1e-12)
    assert not np.allclose(codebook, augmented)  # the steps moved the codebook
    first = np.argmin(((augmented[:, :-1] - staged[0]) ** 2).sum(1))
    assert best[0] == first


def test_numba_is_imported_by_the_first_online_fit_not_by_the_package():
    import subprocess
    import sys

    code = ("import sys, torch, torchsom; assert 'numba' not in sys.modules; "
            "torchsom.SOM(3, 3, 2, epochs=1, algorithm='online').fit(torch.randn(20, 2), "
            "verbose=False); print('numba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == str(online_jit.AVAILABLE)


@pytest.mark.parametrize("neurons", [8, 11])  # a multiple of four, and a remainder
def test_score_kernel_source_gives_the_centred_scores(neurons):
    """The search kernel's Python source: ‖w − c‖² − 2 (x − c)·(w − c) for every neuron,
    four neurons per pass plus the remainder."""
    rng = np.random.default_rng(1)
    weights = rng.standard_normal((neurons, 6))
    augmented = np.concatenate([weights, (weights**2).sum(1, keepdims=True)], axis=1)
    sample = rng.standard_normal(6)
    scores = np.empty(neurons)
    kernel = getattr(online_jit._scores, "py_func", online_jit._scores)
    kernel(augmented, sample, scores, np.float64(0))
    expected = (weights**2).sum(1) - 2.0 * weights @ sample
    np.testing.assert_allclose(scores, expected, rtol=1e-12, atol=1e-12)


def test_kernel_source_with_a_full_table_skips_zero_weights():
    """The non-factored branch (hexagonal grids, other kernels): weights read from the full
    offset table; zero weights leave their neuron (and its norm) untouched."""
    rng = np.random.default_rng(2)
    x, y, features, steps = 4, 3, 5, 6
    weights = rng.standard_normal((x * y, features))
    augmented = np.concatenate([weights, (weights**2).sum(1, keepdims=True)], axis=1)
    staged = rng.standard_normal((steps, features))
    table = np.zeros((steps, 2, 2 * x - 1, 2 * y - 1))
    table[:, :, x - 1, y - 1] = 0.5  # only the BMU itself moves
    reach = np.full(steps, x, np.int64)
    best, second = np.empty(steps, np.int64), np.empty(steps, np.int64)
    codebook = augmented.copy()
    online_jit._online_block(codebook, staged, best, np.empty(steps), second,
                             np.zeros((1, 1)), np.zeros((1, 1)), table, False, True,
                             reach, reach, x, y, True, np.float64(0))
    moved = np.flatnonzero(np.any(codebook != augmented, axis=1))
    assert set(moved) <= set(best.tolist()) and len(moved) >= 1
    np.testing.assert_allclose(codebook[:, -1], (codebook[:, :-1] ** 2).sum(1), rtol=1e-12)


def test_numpy_loop_empties_its_view_cache(monkeypatch):
    """Without the compiled loop, a tiny view cache is emptied and rebuilt: same map."""
    monkeypatch.setattr(online_jit, "AVAILABLE", False)
    data, codebook = _case(neurons=6 * 5)
    positions, periods = _grid("rectangular", False, x=6, y=5)
    kernel = NEIGHBORHOOD_FUNCTIONS["bubble"]  # a narrow window: many different windows
    cross = CROSS_DISTANCE_FUNCTIONS["euclidean"]
    expected, _, _ = reference_online(codebook, data, _orders(len(data)), positions, periods,
                                      kernel, cross)
    import torchsom._engine.online as online

    monkeypatch.setattr(online, "_VIEW_CACHE", 2)
    trained, _, _ = engine_online(codebook, data, "rectangular", False, kernel, cross,
                                  "numpy", x=6, y=5)
    torch.testing.assert_close(trained.double(), expected, rtol=1e-9, atol=1e-9)
