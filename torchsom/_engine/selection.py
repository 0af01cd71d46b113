"""Which array backend and how many threads a fit uses: decided once per fit.

Backend
    numpy for CPU float32/float64 maps with at least two neurons (its calls cost about
    1 µs against 3-5 µs for a torch operator, and a small-batch step is bound by the
    number of calls); torch everywhere else (CUDA, half precision, one-neuron maps).
    Either can be forced (the conformance tests run every rule on every backend).
Threads
    Measured, not assumed: the first fit of a given step shape times the step's two
    products with one thread and with all of them, a few repeats each (well under a
    millisecond for small shapes), and keeps the answer for the rest of the process. A
    second thread only pays off when the products are large enough to amortise waking
    it; where it is not clearly faster (by :data:`THREAD_GAIN`) the fit stays on one, since
    the isolated timing does not see the synchronisation a real loop adds on a busy
    machine. The batch rule's search is one large product per chunk and always gets every
    thread.
"""

from __future__ import annotations

import time

import torch

from torchsom._engine.ops import ArrayOps, NumpyOps, TorchOps

__all__ = ["BACKENDS", "THREAD_GAIN", "choose_ops", "minibatch_threads"]

BACKENDS = ("numpy", "torch")

#: a multi-threaded step must be at least this much faster in isolation to be chosen
THREAD_GAIN = 1.25

_CALIBRATED: dict[tuple, int] = {}


def choose_ops(device: torch.device, dtype: torch.dtype, n_neurons: int,
               force: str | None = None) -> ArrayOps:
    """The array backend of one fit (see the module notes).

    Parameters
    ----------
    device : torch.device
        Where the codebook lives.
    dtype : torch.dtype
        The codebook's dtype.
    n_neurons : int
        Map size.
    force : {"numpy", "torch"}, optional
        Use this backend (numpy only serves CPU float32/float64 maps).
    """
    numpy_ok = (device.type == "cpu" and dtype in (torch.float32, torch.float64)
                and n_neurons >= 2)
    if force is not None:
        if force not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}; got {force!r}.")
        if force == "numpy" and not numpy_ok:
            raise ValueError("backend='numpy' serves CPU float32/float64 maps with at least "
                             f"2 neurons; got device={device}, dtype={dtype}, "
                             f"n_neurons={n_neurons}.")
        return NumpyOps(device) if force == "numpy" else TorchOps(device)
    return NumpyOps(device) if numpy_ok else TorchOps(device)


def minibatch_threads(ops: ArrayOps, batch: int, n_neurons: int, features: int,
                      dtype: torch.dtype) -> int:
    """Threads for a mini-batch fit of this step shape on the CPU (see the module notes)."""
    available = torch.get_num_threads()
    if available == 1 or ops.device.type != "cpu":
        return available
    key = (ops.name, dtype, batch, n_neurons, features, available)
    if key not in _CALIBRATED:
        single = _step_products_time(ops, batch, n_neurons, features, dtype, 1)
        many = _step_products_time(ops, batch, n_neurons, features, dtype, available)
        _CALIBRATED[key] = available if single > THREAD_GAIN * many else 1
    return _CALIBRATED[key]


def _step_products_time(ops: ArrayOps, batch: int, n_neurons: int, features: int,
                        dtype: torch.dtype, threads: int, repeats: int = 5) -> float:
    """Median seconds of one step's two products, (b, F)·(F, n) and (F+1, b)·(b, n)."""
    generator = torch.Generator().manual_seed(0)
    staged = ops.array(torch.rand(batch, features + 1, generator=generator, dtype=dtype))
    codebook_t = ops.array(torch.rand(features, n_neurons, generator=generator, dtype=dtype))
    rows = ops.array(torch.rand(batch, n_neurons, generator=generator, dtype=dtype))
    scores = ops.empty((batch, n_neurons), dtype)
    update = ops.empty((features + 1, n_neurons), dtype)
    matmul = ops.xp.matmul
    times = []
    with ops.threads(threads):
        for _ in range(repeats + 1):  # the first run warms the pool up
            start = time.perf_counter()
            matmul(staged[:, :features], codebook_t, out=scores)
            matmul(staged.T, rows, out=update)
            times.append(time.perf_counter() - start)
    # the middle of the sorted times, not ``np.median``: that one imports ``numpy.ma`` on
    # first use (~70 ms), which a process's first multi-threaded fit would pay
    kept = sorted(times[1:])
    return float(kept[len(kept) // 2])

