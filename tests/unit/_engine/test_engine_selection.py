"""The backend and the thread count of a fit are chosen once, from the facts at hand."""

from __future__ import annotations

import pytest
import torch

from torchsom._engine import selection
from torchsom._engine.ops import NumpyOps, TorchOps

CPU = torch.device("cpu")


def test_numpy_serves_cpu_float_maps_and_torch_the_rest() -> None:
    assert isinstance(selection.choose_ops(CPU, torch.float32, 10), NumpyOps)
    assert isinstance(selection.choose_ops(CPU, torch.float64, 10), NumpyOps)
    assert isinstance(selection.choose_ops(CPU, torch.bfloat16, 10), TorchOps)
    assert isinstance(selection.choose_ops(CPU, torch.float32, 1), TorchOps)
    assert isinstance(selection.choose_ops(CPU, torch.float32, 10, force="torch"), TorchOps)


def test_forcing_an_impossible_or_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="backend must be one of"):
        selection.choose_ops(CPU, torch.float32, 10, force="cuda")
    with pytest.raises(ValueError, match="numpy.*float16"):
        selection.choose_ops(CPU, torch.float16, 10, force="numpy")


def test_thread_count_is_measured_once_per_shape(monkeypatch) -> None:
    calls = []

    def timing(ops, batch, n, features, dtype, threads):
        calls.append(threads)
        return 1.0 if threads == 1 else 0.5  # two threads twice as fast

    monkeypatch.setattr(selection, "_CALIBRATED", {})
    monkeypatch.setattr(selection, "_step_products_time", timing)
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        ops = NumpyOps(CPU)
        assert selection.minibatch_threads(ops, 16, 375, 300, torch.float32) == 2
        assert selection.minibatch_threads(ops, 16, 375, 300, torch.float32) == 2
        assert calls == [1, 2]  # measured once, then cached
        monkeypatch.setattr(selection, "_step_products_time",
                            lambda *a: 1.0 if a[-1] == 1 else 0.9)  # not clearly faster
        assert selection.minibatch_threads(ops, 16, 10, 4, torch.float32) == 1
        torch.set_num_threads(1)
        assert selection.minibatch_threads(ops, 16, 9, 9, torch.float32) == 1  # nothing to pick
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("ops", [NumpyOps(CPU), TorchOps(CPU)], ids=["numpy", "torch"])
def test_step_products_time_runs_the_real_products(ops) -> None:
    seconds = selection._step_products_time(ops, 4, 6, 3, torch.float32, 1, repeats=2)
    assert 0.0 < seconds < 1.0


def test_calibration_imports_nothing_heavy_in_a_fresh_process() -> None:
    """The first multi-threaded fit of a process pays the calibration; it must not pull in
    modules such as ``numpy.ma`` (``np.median`` imports it, ~70 ms)."""
    import subprocess
    import sys

    code = (
        "import sys, torch\n"
        "torch.set_num_threads(2)\n"
        "from torchsom._engine import selection\n"
        "from torchsom._engine.ops import NumpyOps\n"
        "before = set(sys.modules)\n"
        "selection.minibatch_threads(NumpyOps(torch.device('cpu')), 16, 375, 4, torch.float32)\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('numpy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
