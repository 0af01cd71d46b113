"""fit, search, errors and input handling of the SOM."""

from __future__ import annotations

import math

import float64_reference as ref
import numpy as np
import pandas as pd
import pytest
import torch

from torchsom import SOM
from torchsom._engine import selection


def _som(**kwargs) -> SOM:
    base = {"x": 5, "y": 4, "num_features": 3, "device": "cpu", "random_seed": 0}
    base.update(kwargs)
    return SOM(**base)


def test_fit_returns_per_epoch_lists_and_errors_fall(gaussian_data: torch.Tensor) -> None:
    som = _som(epochs=15, sigma=2.0, batch_size=8)
    som.initialize_weights(gaussian_data, mode="pca")
    q, t = som.fit(gaussian_data, verbose=False)
    assert isinstance(q, list) and isinstance(t, list) and len(q) == len(t) == 15
    assert all(isinstance(v, float) for v in q + t)
    assert q[-1] < q[0] and all(0.0 <= v <= 100.0 for v in t)
    assert som.quantization_errors_ == q and som.epochs_trained_ == 15


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_fit_errors_equal_those_measured_on_the_trained_path(
    algorithm: str, topology: str, gaussian_data: torch.Tensor
) -> None:
    """With batch_size >= n the single search of an epoch sees the epoch's start weights,
    so the reported errors equal QE/TE of the weights before that epoch."""
    som = _som(algorithm=algorithm, topology=topology, batch_size=1000, epochs=1)
    som.initialize_weights(gaussian_data, mode="pca")
    qe_before = som.quantization_error(gaussian_data)
    te_before = som.topographic_error(gaussian_data)
    q, t = som.fit(gaussian_data, verbose=False)
    assert q[0] == pytest.approx(qe_before, rel=1e-4)
    assert t[0] == pytest.approx(100 * te_before, abs=1e-3)


def test_batch_rule_by_hand_on_3x3_bubble() -> None:
    """Bubble with sigma 1: each neuron averages the samples of its BMU cell and its 4
    edge neighbours' cells."""
    som = SOM(x=3, y=3, num_features=1, sigma=1.0, learning_rate=1.0, epochs=1,
              neighborhood_function="bubble", algorithm="batch",
              lr_decay_function=lambda v, t, T: v, sigma_decay_function=lambda v, t, T: v,
              device="cpu")
    som.weights.data = torch.arange(9.0).reshape(3, 3, 1)
    data = torch.tensor([[0.0], [0.2], [4.0], [8.0]])  # BMUs 0, 0, 4, 8
    som.fit(data, verbose=False)
    w = som.weights.detach().reshape(-1).tolist()
    close = {"abs": 1e-6}  # float32 map: sums are taken about the data mean
    assert w[0] == pytest.approx(0.1, **close)  # cell 0 only
    assert w[1] == pytest.approx((0.0 + 0.2 + 4.0) / 3, **close)  # cells 0 and 4
    assert w[4] == pytest.approx(4.0, **close)  # neighbours 1,3,5,7 are empty
    assert w[5] == pytest.approx((4.0 + 8.0) / 2, **close)
    assert w[2] == 2.0  # no sample in reach: unchanged


def test_second_fit_continues_from_current_weights(gaussian_data: torch.Tensor) -> None:
    som = _som(epochs=3)
    som.initialize_weights(gaussian_data, mode="pca")
    som.fit(gaussian_data, verbose=False)
    after_first = som.weights.detach().clone()
    q2, _ = som.fit(gaussian_data, verbose=False)
    assert q2[0] == pytest.approx(som.quantization_errors_[3])
    assert not torch.equal(after_first, som.weights.detach())
    assert som.epochs_trained_ == 6 and len(som.topographic_errors_) == 6


def test_failed_fit_restores_the_weights(gaussian_data: torch.Tensor) -> None:
    calls = {"n": 0}

    def exploding(v: float, t: int, T: int) -> float:
        calls["n"] += 1
        if t == 2:
            raise KeyboardInterrupt
        return v

    som = _som(epochs=5, lr_decay_function=exploding)
    som.initialize_weights(gaussian_data, mode="random")
    before = som.weights.detach().clone()
    with pytest.raises(KeyboardInterrupt):
        som.fit(gaussian_data, verbose=False)
    assert torch.equal(before, som.weights.detach()) and som.epochs_trained_ == 0


def test_diverging_training_raises_and_keeps_weights() -> None:
    som = _som(learning_rate=1e37, batch_size=1, epochs=2, num_features=2)
    data = torch.tensor([[1e3, -1e3], [-1e3, 1e3]] * 5)
    before = som.weights.detach().clone()
    with pytest.raises(FloatingPointError, match="non-finite"):
        som.fit(data, verbose=False)
    assert torch.equal(before, som.weights.detach())


def test_progress_bar_shows_errors(gaussian_data: torch.Tensor, capsys) -> None:
    som = _som(epochs=2)
    som.fit(gaussian_data, verbose=True)
    err = capsys.readouterr().err
    assert "Training SOM" in err and "QE=" in err and "TE=" in err


def test_identify_bmus_shapes_and_inputs(gaussian_data: torch.Tensor) -> None:
    som = _som()
    som.initialize_weights(gaussian_data, mode="pca")
    expected = som.identify_bmus(gaussian_data)
    assert expected.shape == (200, 2) and expected.dtype == torch.int64
    assert som.identify_bmus(gaussian_data[0]).tolist() == expected[0].tolist()
    as_np = gaussian_data.numpy()
    assert torch.equal(som.identify_bmus(as_np), expected)
    assert torch.equal(som.identify_bmus(as_np.astype(np.float64)), expected)
    assert torch.equal(som.identify_bmus(pd.DataFrame(as_np)), expected)
    assert torch.equal(som.identify_bmus(as_np.tolist()), expected)
    assert som.identify_bmus(as_np[0].tolist()).shape == (2,)
    strided = torch.cat([gaussian_data, gaussian_data], 1)[:, ::2]
    assert som.identify_bmus(strided).shape == (200, 2)
    ints = som.identify_bmus(torch.ones(4, 3, dtype=torch.int32))
    assert ints.shape == (4, 2)


@pytest.mark.parametrize(
    "bad,error,pattern",
    [
        (torch.tensor([[0.0, 1.0, 2.0]] * 6 + [[float("nan"), 0.0, 0.0]]), ValueError,
         r"data contains 1 NaN value\(s\); the first is in row 6"),
        (torch.tensor([[0.0, float("inf"), 0.0], [float("-inf"), float("nan"), 1.0]]),
         ValueError, r"1 NaN and 2 inf value\(s\); the first is in row 0"),
        (torch.zeros(4, 2), ValueError, r"must have 3 features .*got shape \(4, 2\)"),
        (torch.zeros(0, 3), ValueError, r"data is empty"),
        (torch.zeros(2, 3, 1), ValueError, r"got 3-D shape \(2, 3, 1\)"),
        (torch.zeros(3, 3, dtype=torch.bool), TypeError, r"got dtype torch.bool"),
        (torch.zeros(3, 3, dtype=torch.complex64), TypeError, r"complex64"),
        (np.array([["a", "b", "c"]]), TypeError, r"numpy dtype <U1"),
        (np.array([[object(), 1, 2]], dtype=object), TypeError, r"numpy dtype object"),
        ("data", TypeError, r"got str"),
        ([[1.0, 2.0], [3.0]], ValueError, r"ragged"),
    ],
)
def test_bad_data_is_rejected_by_name(bad, error, pattern) -> None:
    som = _som()
    for method in (som.fit, som.identify_bmus, som.quantization_error, som.topographic_error,
                   som.initialize_weights):
        with pytest.raises(error, match=pattern):
            method(bad)


def test_initialize_weights_modes_and_errors(gaussian_data: torch.Tensor) -> None:
    som = _som(initialization_mode="pca")
    som.initialize_weights(gaussian_data)
    pca_weights = som.weights.detach().clone()
    som.initialize_weights(gaussian_data, mode="random")
    assert not torch.equal(pca_weights, som.weights.detach())
    with pytest.raises(ValueError, match=r"Invalid initialization mode.*'grid'"):
        som.initialize_weights(gaussian_data, mode="grid")
    with pytest.raises(ValueError, match="PCA initialization needs at least 2 samples"):
        som.initialize_weights(gaussian_data[:1], mode="pca")
    one = SOM(x=2, y=2, num_features=1, device="cpu")
    with pytest.raises(ValueError, match="PCA initialization needs at least 2 features"):
        one.initialize_weights(torch.randn(5, 1), mode="pca")
    lo, hi = gaussian_data.min(0).values, gaussian_data.max(0).values
    flat = pca_weights.reshape(-1, 3)
    assert bool(((flat >= lo) & (flat <= hi)).all())


def test_te_on_one_by_one_map_warns_and_is_nan() -> None:
    som = SOM(x=1, y=1, num_features=2, device="cpu")
    with pytest.warns(UserWarning, match="not defined for a 1-by-1 map"):
        assert math.isnan(som.topographic_error(torch.randn(5, 2)))
    q, t = som.fit(torch.randn(5, 2), verbose=False)
    assert math.isnan(t[0]) and q[0] >= 0


def test_distances_to_neurons_shapes() -> None:
    som = _som()
    assert som._calculate_distances_to_neurons(torch.zeros(3)).shape == (5, 4)
    assert som._calculate_distances_to_neurons(torch.zeros(2, 3)).shape == (2, 5, 4)


@pytest.mark.parametrize("distance", ["euclidean", "cosine", "manhattan", "chebyshev"])
@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble", "triangle", "mexican_hat"])
def test_every_option_trains_as_in_float64(distance: str, neighborhood: str) -> None:
    data = torch.randn(60, 3, generator=torch.Generator().manual_seed(1))
    settings = {"x": 4, "y": 4, "num_features": 3, "device": "cpu", "random_seed": 0,
                "distance_function": distance, "neighborhood_function": neighborhood,
                "epochs": 3, "sigma": 1.5, "topology": "hexagonal", "pbc": True}
    som = SOM(**settings)
    som.initialize_weights(data, mode="random")
    q, t = som.fit(data, verbose=False)
    assert len(q) == len(t) == 3
    ref.check_map(som, data)  # QE, BMUs and TE of the trained codebook
    ref.check_fit(som, data, settings)  # the same fit by a float64 map


def test_large_map_trains_without_quadratic_memory() -> None:
    """A 300x300 map (90 000 neurons) fits one epoch of 2000x10 in a fresh process; a
    neurons x neurons float32 matrix alone would need 32 GB."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import resource, torch
        from torchsom import SOM
        torch.set_num_threads(1)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        data = torch.randn(2000, 10, generator=torch.Generator().manual_seed(0))
        for algorithm in ("minibatch", "batch"):
            som = SOM(x=300, y=300, num_features=10, epochs=1, batch_size=256, sigma=20.0,
                      device="cpu", algorithm=algorithm)
            som.fit(data, verbose=False)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((peak - base) // 1024)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, check=True)
    grown_mb = int(out.stdout.strip().splitlines()[-1])
    assert grown_mb < 1024, f"peak RSS grew by {grown_mb} MB"


def test_fit_thread_policy_and_the_count_is_restored(monkeypatch) -> None:
    seen = []

    def record(v: float, t: int, T: int) -> float:
        seen.append(torch.get_num_threads())
        return v

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        # the measured choice decides the mini-batch count: one thread where a second
        # one did not pay off, both where it did
        for measured in (1, 2):
            monkeypatch.setattr(selection, "_CALIBRATED", {})
            monkeypatch.setattr(selection, "_step_products_time",
                                lambda ops, b, n, f, dtype, threads, m=measured:
                                1.0 if threads == 1 else (0.1 if m == 2 else 1.0))
            seen.clear()
            _som(epochs=2, lr_decay_function=record).fit(torch.randn(30, 3), verbose=False)
            assert seen == [1, 1]  # numpy backend: torch stays on one thread either way
            assert torch.get_num_threads() == 2
            assert list(selection._CALIBRATED.values()) == [measured]
        seen.clear()
        forced = _som(epochs=2, lr_decay_function=record)
        forced._engine_backend = "torch"
        forced.fit(torch.randn(30, 3), verbose=False)
        assert seen == [2, 2]  # torch backend: the measured count (both) is torch's
        seen.clear()
        batch = _som(epochs=2, lr_decay_function=record, algorithm="batch")
        batch.fit(torch.randn(30, 3), verbose=False)
        assert seen == [1, 1]  # numpy search on every BLAS thread, torch on one
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)
