"""The online rule against MiniSom's ``train``: same data, same map, same schedule.

``python -m benchmarks.online_rule [--n 16000 --features 300 --x 25 --y 15 --repeats 3]``
(``make bench-online``)

Both sides run one epoch-equivalent (``n`` steps, one sample each) from the same
initial codebook, with learning rate and sigma decayed per step over the ``n`` steps
(``asymptotic_decay``, ``sigma = 1.45``, ``learning_rate = 0.95``, gaussian, euclidean):

* ours: ``SOM(x, y, F, epochs=1, algorithm="online", ...).fit(data)``;
* MiniSom 2.3.6: ``MiniSom(x, y, F, ...).train(data, n, random_order=True)``.

The repeats alternate which side runs first and the reported times are medians. One
thread each (numpy's BLAS and torch). The CPU model, the processor time split into user
and system time, and the page faults per step are recorded: temporaries the size of the
codebook cost page faults, and on some virtual machines those dominate. The result is
printed as Markdown and written as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

TARGET = 20.0
SIGMA, LEARNING_RATE = 1.45, 0.95


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def make_data(n: int, features: int, seed: int = 42) -> np.ndarray:
    """Standardised float32 blobs (the harness's data: 3 centres)."""
    from sklearn.datasets import make_blobs

    raw, _ = make_blobs(n_samples=n, n_features=features, centers=3, random_state=seed)
    std = raw.std(axis=0)
    std[std == 0] = 1.0
    return ((raw - raw.mean(axis=0)) / std).astype(np.float32)


def _measure(fn) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall_s": wall, "user_s": after.ru_utime - before.ru_utime,
            "system_s": after.ru_stime - before.ru_stime,
            "minor_faults": after.ru_minflt - before.ru_minflt}


def run_ours(data: np.ndarray, init: np.ndarray, x: int, y: int) -> tuple[dict, float]:
    from torchsom import SOM

    som = SOM(x, y, data.shape[1], epochs=1, algorithm="online", sigma=SIGMA,
              learning_rate=LEARNING_RATE, device="cpu", random_seed=0)
    som.weights.data.copy_(torch.from_numpy(init))
    samples = torch.from_numpy(data)
    timing = _measure(lambda: som.fit(samples, verbose=False))
    return timing, som.quantization_error(samples)


def run_minisom(data: np.ndarray, init: np.ndarray, x: int, y: int) -> tuple[dict, float]:
    from minisom import MiniSom

    som = MiniSom(x, y, data.shape[1], sigma=SIGMA, learning_rate=LEARNING_RATE,
                  decay_function="asymptotic_decay", sigma_decay_function="asymptotic_decay",
                  neighborhood_function="gaussian", activation_distance="euclidean",
                  random_seed=0)
    som._weights = init.astype(np.float64).copy()
    timing = _measure(lambda: som.train(data, len(data), random_order=True))
    return timing, float(som.quantization_error(data))


def _compiled() -> bool:
    """Whether our online loop runs compiled (numba installed)."""
    from torchsom._engine import online_jit

    return bool(online_jit.AVAILABLE)


def markdown(result: dict) -> str:
    """The result as a Markdown section (table and verdict)."""
    shape = result["shape"]
    lines = [
        f"Online rule, {shape['n']}×{shape['features']}, {shape['x']}×{shape['y']} map, "
        f"{result['steps']} steps (1 epoch), 1 thread, {result['repeats']} interleaved repeats; "
        f"CPU: {result['cpu']}; load average {result['load_average'][0]:.1f}; our loop "
        f"{'compiled (numba)' if result.get('compiled') else 'numpy (numba not installed)'}.",
        "",
        "| | median wall (s) | µs per step | user (s) | system (s) | page faults per step "
        "| QE |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, wall in result["median_wall_s"].items():
        lines.append(
            f"| {name} | {wall:.3f} | {wall / result['steps'] * 1e6:.1f} | "
            f"{result['median_user_s'][name]:.2f} | {result['median_system_s'][name]:.2f} | "
            f"{result['faults_per_step'][name]:.1f} | "
            f"{result['quantization_error'][name]:.4f} |")
    verdict = "meets" if result["ratio"] >= result["target"] else "misses"
    lines += ["", f"Ours is {result['ratio']:.1f}× faster than MiniSom's train ({verdict} the "
              f"{result['target']:.0f}× target)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16000)
    parser.add_argument("--features", type=int, default=300)
    parser.add_argument("--x", type=int, default=25)
    parser.add_argument("--y", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/online_rule.json"))
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    from threadpoolctl import threadpool_limits

    data = make_data(args.n, args.features)
    rng = np.random.default_rng(0)
    init = data[rng.choice(args.n, args.x * args.y, replace=False)].reshape(
        args.x, args.y, args.features).copy()
    runners = {"ours": run_ours, "minisom": run_minisom}
    runs: dict[str, list[dict]] = {name: [] for name in runners}
    quality: dict[str, float] = {}
    with threadpool_limits(1):
        run_ours(data[:200], init, args.x, args.y)  # warm-up: imports, first-call costs
        for repeat in range(args.repeats):
            order = list(runners) if repeat % 2 == 0 else list(runners)[::-1]
            for name in order:
                timing, quality[name] = runners[name](data, init, args.x, args.y)
                runs[name].append(timing)
                print(f"repeat {repeat + 1}/{args.repeats} {name}: {timing['wall_s']:.3f} s",
                      file=sys.stderr, flush=True)

    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name])

    ratio = median("minisom", "wall_s") / median("ours", "wall_s")
    import minisom

    result = {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu": cpu_model(), "cores": os.cpu_count(), "threads": 1,
        "load_average": os.getloadavg(),
        "python": platform.python_version(), "numpy": np.__version__,
        "torch": torch.__version__, "minisom": getattr(minisom, "__version__", "2.3.6"),
        "shape": {"n": args.n, "features": args.features, "x": args.x, "y": args.y},
        "steps": args.n, "repeats": args.repeats, "runs": runs,
        "quantization_error": quality,
        "median_wall_s": {name: median(name, "wall_s") for name in runners},
        "median_user_s": {name: median(name, "user_s") for name in runners},
        "median_system_s": {name: median(name, "system_s") for name in runners},
        "faults_per_step": {name: median(name, "minor_faults") / args.n for name in runners},
        "compiled": _compiled(),
        "ratio": ratio, "target": TARGET,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(result, indent=2))
    temporary.replace(args.out)
    args.out.with_suffix(".md").write_text(markdown(result) + "\n")

    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
