"""Scale-out benchmarks: streaming from a memmap, and 2 ranks against 1.

``python -m benchmarks.scale_out [--stream-rows 10000000] [--rank-rows 1000000]``

* **stream**: a ``rows × 50`` float32 ``.npy`` file (2 GB at 10⁷ rows, generated under
  ``.bench/scale/``), batch rule, 25×15 map, 2 epochs, one thread. The same fit on the
  array loaded into memory against ``fit(path)`` reading it in blocks: fit throughput,
  and the peak anonymous memory (RssAnon, sampled every 5 ms) above the footprint of the
  imported engine and the constructed map.
* **ranks**: ``rows × 50``, batch rule, 25×15 and 90×70 maps, 2 epochs: 2 gloo ranks on
  127.0.0.1 with one thread each against one process with one thread. The 2-rank time
  is the slower rank's; the weights are compared with the single process's.
* **allreduce**: the median time of one gloo all-reduce of a map's statistics,
  ``n·(F + 1)`` float32 values, between 2 ranks on 127.0.0.1 (the projection in
  ``docs/scale.md`` uses it).

Each measurement runs in its own process. Results go to
``benchmarks/results/scale_out.json`` and a markdown section to
``benchmarks/results/scale_out.md`` (also printed), with the CPU model and the load
average around each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / ".bench" / "scale"
RESULTS = ROOT / "benchmarks" / "results"
FEATURES = 50


# ---------------------------------------------------------------------------- helpers
def _rss_anon_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class PeakSampler:
    """Largest RssAnon seen by a background thread while the block runs."""

    def __init__(self, every: float = 0.005) -> None:
        self.every, self.peak = every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_anon_mb())
            time.sleep(self.every)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_anon_mb())


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load() -> float:
    return os.getloadavg()[0]


def make_data(path: Path, rows: int, features: int = FEATURES, seed: int = 0) -> None:
    """``rows × features`` float32 blobs (8 centres), written in blocks to ``path``."""
    if path.exists() and np.load(path, mmap_mode="r").shape == (rows, features):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((8, features), dtype=np.float32) * 3.0
    temporary = path.with_suffix(".tmp.npy")
    out = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.float32,
                                    shape=(rows, features))
    block = 1_000_000
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        noise = rng.standard_normal((stop - start, features), dtype=np.float32)
        out[start:stop] = noise + centres[rng.integers(0, 8, stop - start)]
    out.flush()
    del out
    os.replace(temporary, path)


def _child(args: list[str], env: dict | None = None, timeout: int = 3600) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.scale_out", *args], cwd=ROOT,
                          env=dict(os.environ, **(env or {})), capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _map(x: int, y: int, epochs: int):
    from torchsom import SOM

    return SOM(x=x, y=y, num_features=FEATURES, epochs=epochs, sigma=max(x, y) / 4.0,
               learning_rate=1.0, algorithm="batch", random_seed=0, device="cpu")


# ---------------------------------------------------------------------------- stream
def run_stream(mode: str, path: str, epochs: int) -> dict:
    """One stream measurement (in a child): ``mode`` is ``memory`` or ``memmap``."""
    import torch

    torch.set_num_threads(1)
    som = _map(25, 15, epochs)
    som.initialize_weights(np.array(np.load(path, mmap_mode="r")[:10_000]))
    baseline = _rss_anon_mb()
    load_seconds = 0.0
    if mode == "memory":
        start = time.perf_counter()
        data = np.load(path)  # the whole array in anonymous memory
        load_seconds = time.perf_counter() - start
    else:
        data = path
    rows = np.load(path, mmap_mode="r").shape[0]
    with PeakSampler() as sampler:
        start = time.perf_counter()
        q_list, _ = som.fit(data, verbose=False)
        seconds = time.perf_counter() - start
    return {"mode": mode, "rows": rows, "epochs": epochs, "fit_seconds": seconds,
            "load_seconds": load_seconds, "samples_per_second": rows * epochs / seconds,
            "baseline_rss_anon_mb": baseline, "peak_rss_anon_mb": sampler.peak,
            "peak_above_baseline_mb": sampler.peak - baseline, "final_qe": q_list[-1]}


def bench_stream(rows: int, epochs: int) -> dict:
    path = SCRATCH / f"stream_{rows}x{FEATURES}.npy"
    start = time.perf_counter()
    make_data(path, rows)
    generated = time.perf_counter() - start
    runs = {}
    for mode in ("memory", "memmap"):
        load_before = _load()
        result = _child(["--child-stream", mode, str(path), str(epochs)])
        result["load_avg_before"], result["load_avg_after"] = load_before, _load()
        runs[mode] = result
    ratio = runs["memmap"]["samples_per_second"] / runs["memory"]["samples_per_second"]
    return {"rows": rows, "features": FEATURES, "map": "25x15", "epochs": epochs,
            "file_gb": path.stat().st_size / 1e9, "generate_seconds": generated,
            "runs": runs, "throughput_ratio": ratio}


# ---------------------------------------------------------------------------- ranks
def _rank_data(rows: int):
    import torch

    rng = np.random.default_rng(1)
    centres = rng.standard_normal((8, FEATURES), dtype=np.float32) * 3.0
    data = rng.standard_normal((rows, FEATURES), dtype=np.float32)
    data += centres[rng.integers(0, 8, rows)]
    return torch.from_numpy(data)


def run_rank(rank: int, world: int, port: int, rows: int, x: int, y: int, epochs: int,
             out: str) -> dict:
    """One rank (in a child); ``world == 1`` is the plain one-process fit."""
    import torch

    torch.set_num_threads(1)
    data = _rank_data(rows)
    som = _map(x, y, epochs)
    som.initialize_weights(data[:20_000], mode="pca")
    if world > 1:
        from datetime import timedelta

        import torch.distributed as dist

        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                                world_size=world, timeout=timedelta(seconds=600))
        shard = data[rank * rows // world : (rank + 1) * rows // world].clone()
        del data
        dist.barrier()
        start = time.perf_counter()
        som.fit(shard, verbose=False, distributed=True)
        seconds = time.perf_counter() - start
        dist.destroy_process_group()
    else:
        start = time.perf_counter()
        som.fit(data, verbose=False)
        seconds = time.perf_counter() - start
    if rank == 0:
        torch.save(som.weights.detach().clone(), out)
    return {"rank": rank, "world": world, "fit_seconds": seconds}


def bench_ranks(rows: int, epochs: int, maps: list[tuple[int, int]]) -> list[dict]:
    import torch

    SCRATCH.mkdir(parents=True, exist_ok=True)
    results = []
    env = {"OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": "lo"}
    for x, y in maps:
        load_before = _load()
        single_out = SCRATCH / f"w1_{x}x{y}.pt"
        single = _child(["--child-rank", "0", "1", "0", str(rows), str(x), str(y), str(epochs),
                         str(single_out)], env)
        port = _free_port()
        pair_out = SCRATCH / f"w2_{x}x{y}.pt"
        procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.scale_out", "--child-rank",
                                   str(rank), "2", str(port), str(rows), str(x), str(y),
                                   str(epochs), str(pair_out)], cwd=ROOT,
                                  env=dict(os.environ, **env), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for rank in range(2)]
        pair = []
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=3600)
            if proc.returncode != 0:
                raise RuntimeError(f"rank failed:\n{stderr[-4000:]}")
            pair.append(json.loads(stdout.strip().splitlines()[-1]))
        two = max(p["fit_seconds"] for p in pair)
        difference = float((torch.load(pair_out) - torch.load(single_out)).abs().max())
        results.append({
            "map": f"{x}x{y}", "rows": rows, "features": FEATURES, "epochs": epochs,
            "one_rank_seconds": single["fit_seconds"], "two_rank_seconds": two,
            "rank_seconds": [p["fit_seconds"] for p in pair],
            "speedup": single["fit_seconds"] / two, "max_weight_difference": difference,
            "load_avg_before": load_before, "load_avg_after": _load(),
        })
    return results


def run_allreduce(rank: int, port: int, sizes: list[int], repeats: int = 200) -> dict:
    """Median seconds of one all-reduce of each size (in a child, 2 ranks)."""
    from datetime import timedelta

    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=2, timeout=timedelta(seconds=120))
    medians = {}
    for size in sizes:
        values = torch.ones(size)
        times = []
        for _ in range(repeats + 10):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(values)
            times.append(time.perf_counter() - start)
        medians[str(size)] = float(np.median(times[10:]))
    dist.destroy_process_group()
    return {"rank": rank, "median_seconds": medians}


def bench_allreduce(maps: list[tuple[int, int]]) -> list[dict]:
    sizes = [x * y * (FEATURES + 1) for x, y in maps]
    port = _free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1", GLOO_SOCKET_IFNAME="lo")
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.scale_out", "--child-allreduce",
                               str(rank), str(port), ",".join(map(str, sizes))], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for rank in range(2)]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"all-reduce rank failed:\n{stderr[-4000:]}")
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    return [{"map": f"{x}x{y}", "values": size, "bytes": 4 * size,
             "median_ms": 1e3 * max(o["median_seconds"][str(size)] for o in outs)}
            for (x, y), size in zip(maps, sizes)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------------------- report
def markdown(report: dict) -> str:
    lines = ["## Scale-out: streaming and data-parallel training", "",
             f"CPU: {report['cpu']} ({report['cores']} cores, shared with other work); "
             f"torch {report['torch']}; one thread per process. Commands: "
             + "; ".join(f"`{c}`" for c in report.get("commands", {}).values()) + ".", ""]
    stream = report.get("stream")
    if stream:
        lines += [f"### Streaming {stream['rows']:,} × {stream['features']} float32 "
                  f"({stream['file_gb']:.2f} GB `.npy`), batch rule, {stream['map']} map, "
                  f"{stream['epochs']} epochs", "",
                  "| data | fit s | samples/s | peak RssAnon above baseline (MB) | "
                  "baseline RssAnon (MB) | load avg before/after |",
                  "|---|---:|---:|---:|---:|---|"]
        for mode, label in (("memory", "array in memory"), ("memmap", "`fit(path)`, blocks")):
            run = stream["runs"][mode]
            lines.append(f"| {label} | {run['fit_seconds']:.1f} | "
                         f"{run['samples_per_second']:,.0f} | "
                         f"{run['peak_above_baseline_mb']:.0f} | "
                         f"{run['baseline_rss_anon_mb']:.0f} | "
                         f"{run['load_avg_before']:.1f} / {run['load_avg_after']:.1f} |")
        lines += ["", f"Streaming throughput: {stream['throughput_ratio']:.0%} of the "
                  "in-memory fit (target ≥ 70 %); peak anonymous memory above the "
                  f"baseline: {stream['runs']['memmap']['peak_above_baseline_mb']:.0f} MB "
                  "(target < 300 MB). The in-memory run's peak includes the array "
                  "itself. The file was in the page cache (written just before).", ""]
    ranks = report.get("ranks")
    if ranks:
        lines += [f"### 2 ranks × 1 thread vs 1 process × 1 thread, batch rule, "
                  f"{ranks[0]['rows']:,} × {ranks[0]['features']}, {ranks[0]['epochs']} "
                  "epochs (gloo, 127.0.0.1)", "",
                  "| map | 1 rank s | 2 ranks s (per rank) | speed-up | max weight "
                  "difference | load avg before/after |", "|---|---:|---:|---:|---:|---|"]
        for run in ranks:
            per_rank = " / ".join(f"{s:.1f}" for s in run["rank_seconds"])
            lines.append(f"| {run['map']} | {run['one_rank_seconds']:.1f} | "
                         f"{run['two_rank_seconds']:.1f} ({per_rank}) | "
                         f"{run['speedup']:.2f}× | {run['max_weight_difference']:.1e} | "
                         f"{run['load_avg_before']:.1f} / {run['load_avg_after']:.1f} |")
        lines += ["", "Target: speed-up ≥ 1.7× on a 2-core machine. The 2-rank time is "
                  "the slower rank's fit (after a barrier).", ""]
    reduces = report.get("allreduce")
    if reduces:
        lines += ["### One all-reduce of a map's statistics, 2 gloo ranks on 127.0.0.1", "",
                  "| map | values n·(F+1) | bytes | median ms |", "|---|---:|---:|---:|"]
        for run in reduces:
            lines.append(f"| {run['map']} | {run['values']:,} | {run['bytes']:,} | "
                         f"{run['median_ms']:.3f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child-stream":
        print(json.dumps(run_stream(argv[1], argv[2], int(argv[3]))))
        return 0
    if argv and argv[0] == "--child-allreduce":
        sizes = [int(v) for v in argv[3].split(",")]
        print(json.dumps(run_allreduce(int(argv[1]), int(argv[2]), sizes)))
        return 0
    if argv and argv[0] == "--child-rank":
        rank, world, port, rows, x, y, epochs = (int(v) for v in argv[1:8])
        print(json.dumps(run_rank(rank, world, port, rows, x, y, epochs, argv[8])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream-rows", type=int, default=10_000_000)
    parser.add_argument("--rank-rows", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--only", choices=("stream", "ranks", "allreduce"), default=None)
    parser.add_argument("--maps", default="25x15,90x70")
    parser.add_argument("--out", default=str(RESULTS / "scale_out"),
                        help="results file stem (.json, .md); with --only, that part of "
                             "an existing report is replaced")
    args = parser.parse_args(argv)
    import torch

    out = Path(args.out)
    report: dict = {}
    if args.only and out.with_suffix(".json").exists():  # update one part of the last run
        report = json.loads(out.with_suffix(".json").read_text())
        if "command" in report:  # a report written before per-part commands
            report.setdefault("commands", {})["all"] = report.pop("command")
    report.update({"cpu": cpu_model(), "cores": os.cpu_count(), "torch": torch.__version__})
    report.setdefault("commands", {})[args.only or "all"] = (
        f"python -m benchmarks.scale_out {' '.join(argv)}".strip()
        + f" ({time.strftime('%Y-%m-%d %H:%M')})")
    if args.only in (None, "stream"):
        report["stream"] = bench_stream(args.stream_rows, args.epochs)
    maps = [tuple(int(v) for v in m.split("x")) for m in args.maps.split(",")]
    if args.only in (None, "ranks"):
        report["ranks"] = bench_ranks(args.rank_rows, args.epochs, maps)
    if args.only in (None, "allreduce"):
        report["allreduce"] = bench_allreduce(maps)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    text = markdown(report)
    out.with_suffix(".md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
