"""Paired A/B of one engine setting: two values of a module constant, fits alternated.

``python -m benchmarks.paired_ab MODULE NAME VALUE_A VALUE_B [--features 300 --map 25x15
--batch 16 --samples 4000 --epochs 2 --pairs 15 --algorithm minibatch]``

On a shared machine the same fit can take 0.10 s one minute and 0.19 s the next, so two
separate runs of a few fits each cannot resolve a 5 % change. Here one process fits the
same map with ``MODULE.NAME = VALUE_A`` and ``= VALUE_B`` in turn (the order alternating
between pairs), on one thread, and reports the median ratio of the two fits of each pair:
slow drifts of the machine cancel within a pair. Times are process CPU time (what the fit
itself used). The data are the benchmark's blobs (:func:`benchmarks.data.make_data`).

Example: whether the fused update pays at 300 features::

    python -m benchmarks.paired_ab torchsom.functional.update _FUSED_UPDATE "1 << 40" "1 << 16"
"""

from __future__ import annotations

import argparse
import ast
import importlib
import statistics
import time
from collections.abc import Callable
from typing import Any


def parse_value(text: str) -> Any:
    """A Python literal, or a shift of two integers (``"1 << 16"``)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        left, sep, right = text.partition("<<")
        if not sep:
            raise ValueError(f"value {text!r} is neither a literal nor 'a << b'") from None
        return int(left) << int(right)


def paired_ratios(fit: Callable[[Any], float], value_a: Any, value_b: Any,
                  pairs: int) -> tuple[list[float], list[float]]:
    """Time ``fit(value)`` for both values ``pairs`` times, alternating which goes first.

    Returns
    -------
    times_a, times_b : list of float
        Seconds, the i-th of each list from the same pair.
    """
    fit(value_a), fit(value_b)  # warm both paths up
    times_a: list[float] = []
    times_b: list[float] = []
    for index in range(pairs):
        order = ((value_a, times_a), (value_b, times_b))
        for value, times in order if index % 2 else order[::-1]:
            times.append(fit(value))
    return times_a, times_b


def summary(times_a: list[float], times_b: list[float]) -> dict[str, float]:
    """Medians of both sides and of the per-pair ratio ``a / b`` with its quartiles."""
    ratios = sorted(a / b for a, b in zip(times_a, times_b))
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return {"median_a_s": statistics.median(times_a), "median_b_s": statistics.median(times_b),
            "ratio": statistics.median(ratios), "ratio_q1": quartiles[0],
            "ratio_q3": quartiles[2]}


def _fitter(args: argparse.Namespace, module: Any) -> Callable[[Any], float]:
    import torch

    from benchmarks.data import make_data
    from torchsom import SOM

    x, y = (int(side) for side in args.map.split("x"))
    data = torch.from_numpy(make_data(args.samples, args.features))

    def fit(value: Any) -> float:
        setattr(module, args.name, value)
        som = SOM(x=x, y=y, num_features=args.features, epochs=args.epochs,
                  batch_size=args.batch, sigma=1.45, learning_rate=0.95, random_seed=42,
                  algorithm=args.algorithm)
        som.initialize_weights(data, mode="pca")
        start = time.process_time()
        som.fit(data, verbose=False)
        return time.process_time() - start

    return fit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module")
    parser.add_argument("name")
    parser.add_argument("value_a")
    parser.add_argument("value_b")
    parser.add_argument("--features", type=int, default=300)
    parser.add_argument("--map", default="25x15")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--algorithm", choices=("minibatch", "batch"), default="minibatch")
    args = parser.parse_args(argv)
    import torch

    module = importlib.import_module(args.module)
    if not hasattr(module, args.name):
        parser.error(f"{args.module} has no {args.name}")
    original = getattr(module, args.name)
    value_a, value_b = parse_value(args.value_a), parse_value(args.value_b)
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = summary(*paired_ratios(_fitter(args, module), value_a, value_b, args.pairs))
    finally:
        setattr(module, args.name, original)
        torch.set_num_threads(previous)
    print(f"{args.name} at F={args.features}, {args.map}, b={args.batch}, "
          f"{args.samples} samples × {args.epochs} epochs, {args.pairs} pairs, 1 thread: "
          f"A={value_a!r} {result['median_a_s'] * 1e3:.1f} ms, "
          f"B={value_b!r} {result['median_b_s'] * 1e3:.1f} ms; A/B per pair: median "
          f"{result['ratio']:.3f} (quartiles {result['ratio_q1']:.3f}-{result['ratio_q3']:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
