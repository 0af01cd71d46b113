"""Where a mini-batch step goes: the operations of one batch timed one by one.

``python -m benchmarks.minibatch_floor [--n 16000 --features 300 --x 25 --y 15 --batch 16]``
(one thread) times, on the given shapes, each operation the CPU loop performs per batch
(``torchsom._engine.rules``), the full fit per batch, and a large square matmul as
the machine's rate. It shows how much of a step is the two skinny matrix products that no
exact mini-batch rule can avoid (the search ``X Wᵀ`` and the update ``Hᵀ X``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch


def _median_us(fn, repeats: int = 2000) -> float:
    for _ in range(50):
        fn()
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        samples.append((time.perf_counter() - start) / repeats * 1e6)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16000)
    parser.add_argument("--features", type=int, default=300)
    parser.add_argument("--x", type=int, default=25)
    parser.add_argument("--y", type=int, default=15)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _report(args)
    finally:
        torch.set_num_threads(previous)
    return 0


def _report(args: argparse.Namespace) -> None:
    from torchsom import SOM
    from torchsom._engine.threads import blas_threads

    gen = torch.Generator().manual_seed(0)
    b, f, n_neurons = args.batch, args.features, args.x * args.y
    weights = torch.randn(n_neurons, f, generator=gen) * 0.3
    batch = torch.randn(b, f, generator=gen)
    rows = torch.rand(b, n_neurons, generator=gen) * 1e-3
    scores = torch.empty(b, n_neurons)
    keep = torch.rand(n_neurons, 1, generator=gen) * 1e-3 + 0.999
    sq = torch.empty(n_neurons)
    s_np, r_np, w_np = scores.numpy(), rows.numpy(), weights.numpy()
    offsets = np.arange(b) * n_neurons
    best = np.empty(b, np.int64)
    row_table = np.random.default_rng(0).random((args.x, n_neurons), dtype=np.float32)
    key_table = np.random.default_rng(1).random((args.y, n_neurons), dtype=np.float32)
    units = np.arange(b) % min(args.x, args.y)
    ones = np.full(b, -2.0, np.float32)
    keep_np = keep.numpy()[:, 0]

    def top_two() -> None:
        first = s_np.argmin(axis=1, out=best)
        flat = first + offsets
        s_np.take(flat)
        s_np.put(flat, np.inf)
        s_np.argmin(axis=1)

    flops = 2 * b * f * n_neurons
    with blas_threads(1):
        parts = {
            "search product X·Wᵀ": _median_us(lambda: torch.mm(batch, weights.t(), out=scores)),
            "update product W += Hᵀ·X": _median_us(lambda: weights.addmm_(rows.t(), batch,
                                                                          alpha=1e-9)),
            "row scaling W *= keep": _median_us(lambda: weights.mul_(keep)),
            "squared norms ‖w‖²": _median_us(
                lambda: np.vecdot(w_np, w_np, out=sq.numpy()) if hasattr(np, "vecdot")
                else torch.linalg.vecdot(weights, weights, out=sq)),
            "scores + ‖w‖², two best units": _median_us(lambda: (s_np.__iadd__(1.0),
                                                                 top_two())),
            "neighbourhood rows, keep = 1 − Σh": _median_us(lambda: (
                np.multiply(row_table.take(units, axis=0), key_table.take(units, axis=0),
                            out=r_np),
                np.matmul(ones, r_np, out=keep_np), np.subtract(1.0, keep_np, out=keep_np))),
        }
        square = torch.randn(1024, 1024, generator=gen)
        rate = 2 * 1024**3 / (_median_us(lambda: square @ square, repeats=20) * 1e-6) / 1e9
    data = torch.randn(args.n, f, generator=gen)
    som = SOM(x=args.x, y=args.y, num_features=f, epochs=args.epochs, batch_size=b,
              random_seed=0)
    start = time.perf_counter()
    som.fit(data, verbose=False)
    per_batch = (time.perf_counter() - start) / (args.epochs * -(-args.n // b)) * 1e6
    total = sum(parts.values())
    print(f"{args.n}×{f} data, {args.x}×{args.y} map, batch {b}, 1 thread")
    print(f"1024³ matmul: {rate:.1f} GFLOP/s")
    for name, us in parts.items():
        extra = ""
        if "product" in name:
            extra = f"  ({flops / (us * 1e-6) / 1e9:.1f} GFLOP/s)"
        print(f"  {name:32s} {us:8.1f} µs{extra}")
    print(f"  {'sum of the parts':32s} {total:8.1f} µs")
    products = parts["search product X·Wᵀ"] + parts["update product W += Hᵀ·X"]
    print(f"full fit, per batch: {per_batch:.1f} µs (the two products: "
          f"{products / per_batch:.0%}; the rest is interpreter and cache traffic)")


if __name__ == "__main__":
    raise SystemExit(main())
