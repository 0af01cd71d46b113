"""Sweep runner: per-step time of one backend at many points (inside a torch venv).

Started as ``python runners/run_<backend>.py JOB.json`` with ``job["kind"] == "sweep"``
(``_common.main`` hands over to :func:`main`). The job lists the points; for each one the
runner

1. loads the point's data (``torch.set_flush_denormal`` support is checked once per
   process);
2. with ``job["floor"]``, times the step's two products directly at the point's shapes
   (median of many calls, flush-denormal off; the faster of the two layouts of each
   product and, for the batch rule, the fastest row blocking): the compute floor;
3. calibrates (and warms up): fits of 1, 2, 5, 17, ... epochs until the extra epochs cost
   a quarter of ``target_s``, giving the time of an epoch without the fit's setup; ``ΔE``
   is then chosen so that a fit of ``E2 = 1 + ΔE`` epochs takes about ``target_s`` more
   than one of ``E1 = 1``, within the point's time budget;
4. runs ``rounds`` rounds (fewer when the point's time budget runs out); each round fits
   fresh maps of ``E1`` and ``E2`` epochs under each flush-denormal mode of
   ``job["flush_modes"]`` (the order alternates between rounds). Only ``fit`` is timed,
   on both clocks (``step_us`` is read on ``job["clock"]``, "cpu" or "wall", the floor
   too): import, data loading, construction and PCA initialisation are outside the timed
   region, and the fixed per-fit setup cancels in ``t(E2) − t(E1)``.

One JSON line per finished point goes to ``sweep.jsonl``; ``progress.json`` names the
point and fit in flight (the driver kills a point past its cap and restarts the runner
on the next point); ``sweep-process.json`` holds what is per process (versions, matmul
rate at start and end, flush-denormal support).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
import traceback
from typing import Any

MATMUL = 1024


def _write_json(path: str, value: Any) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(value, fh)
    os.replace(tmp, path)


#: the clocks a sweep can time with: process CPU time (1 thread: what the step costs on a
#: core of its own, other processes' share of the machine left out) or the wall clock
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def median_call_us(fn, sync=lambda: None, samples: int = 15, sample_s: float = 0.002,
                   total_s: float = 0.3, clock=time.perf_counter) -> float:
    """Median over samples of the per-call time of ``fn`` in µs, read on ``clock``.

    Each sample repeats ``fn`` enough times to last about ``sample_s`` (at least once),
    after a few warm-up calls. Calls too slow for ``samples`` samples within ``total_s``
    get fewer samples, never under 5.
    """
    for _ in range(3):
        fn()
    sync()
    start = time.perf_counter()
    fn()
    sync()
    once = max(time.perf_counter() - start, 1e-7)
    inner = max(1, int(sample_s / once))
    samples = max(5, min(samples, int(total_s / (once * inner))))
    values = []
    for _ in range(samples):
        start = clock()
        for _ in range(inner):
            fn()
        sync()
        values.append((clock() - start) / inner * 1e6)
    return statistics.median(values)


def matmul_gflops(torch, device: str = "cpu") -> float:
    """Rate of a float32 1024³ matmul in GFLOP/s (median of 7 calls)."""
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(MATMUL, MATMUL, generator=gen).to(device)
    b = torch.randn(MATMUL, MATMUL, generator=gen).to(device)
    us = median_call_us(lambda: a @ b, _sync(torch, device), samples=7, sample_s=0.0)
    return 2 * MATMUL**3 / (us * 1e-6) / 1e9


def _sync(torch, device: str):
    return torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)


#: chunk sizes (rows per product) tried for the batch rule's floor
FLOOR_CHUNKS = (256, 1024, 4096)


def floor_products(torch, rows: int, features: int, neurons: int, device: str = "cpu",
                   chunks: tuple[int, ...] = (), clock=time.perf_counter) -> dict[str, Any]:
    """The compute floor of a step: the search ``(rows, F) @ (F, n)`` and the update
    ``(F, rows) @ (rows, n)``, timed directly (float32, preallocated outputs).

    Each product is timed in both layouts a step may use (search: rows × codebookᵀ or
    codebook × rowsᵀ; update: rowsᵀ × weights or weightsᵀ × rows, the same arithmetic
    transposed) and the faster counts. With ``chunks`` (the batch rule, whose ``rows`` are
    all samples), the products are also timed on row blocks of those sizes, scaled to
    ``rows``, and the fastest blocking counts: a floor is the least time the arithmetic
    needs.

    Returns
    -------
    dict
        ``search_us``, ``update_us``, ``us`` (their sum), ``search_gflops``,
        ``update_gflops``, ``chunk`` (rows per product), ``search_layout``,
        ``update_layout``.
    """
    sync = _sync(torch, device)
    best: dict[str, Any] | None = None
    for chunk in sorted({c for c in chunks if c < rows} | {rows}):
        found = _time_block(torch, chunk, features, neurons, device, sync, clock)
        scale = rows / chunk
        found.update(search_us=found["search_us"] * scale, update_us=found["update_us"] * scale,
                     chunk=chunk)
        found["us"] = found["search_us"] + found["update_us"]
        if best is None or found["us"] < best["us"]:
            best = found
    flops = 2 * rows * features * neurons
    best["search_gflops"] = flops / (best["search_us"] * 1e-6) / 1e9
    best["update_gflops"] = flops / (best["update_us"] * 1e-6) / 1e9
    return best


def _time_block(torch, chunk: int, features: int, neurons: int, device: str,
                sync, clock) -> dict[str, Any]:
    """Both layouts of both products on ``chunk`` rows; the faster of each, in µs."""
    gen = torch.Generator().manual_seed(0)
    block = torch.randn(chunk, features, generator=gen).to(device)
    book = torch.randn(neurons, features, generator=gen).to(device)
    weights = torch.rand(chunk, neurons, generator=gen).to(device)
    by_rows = torch.empty(chunk, neurons, device=device)
    by_units = torch.empty(neurons, chunk, device=device)
    upd_f = torch.empty(features, neurons, device=device)
    upd_n = torch.empty(neurons, features, device=device)
    search = {
        "rows @ bookT": lambda: torch.mm(block, book.t(), out=by_rows),
        "book @ rowsT": lambda: torch.mm(book, block.t(), out=by_units),
    }
    update = {
        "rowsT @ weights": lambda: torch.mm(block.t(), weights, out=upd_f),
        "weightsT @ rows": lambda: torch.mm(weights.t(), block, out=upd_n),
    }
    s_times = {k: median_call_us(f, sync, clock=clock) for k, f in search.items()}
    u_times = {k: median_call_us(f, sync, clock=clock) for k, f in update.items()}
    s_layout, u_layout = min(s_times, key=s_times.get), min(u_times, key=u_times.get)
    return {"search_us": s_times[s_layout], "update_us": u_times[u_layout],
            "search_layout": s_layout, "update_layout": u_layout}


class Progress:
    """Writes ``progress.json``: the point and fit in flight (read by the driver)."""

    def __init__(self, path: str):
        self.path = path
        self.record: dict[str, Any] = {}

    def point(self, point_id: str) -> None:
        self.record = {"point": point_id, "point_started": time.time(), "fits": []}
        _write_json(self.path, self.record)

    def fit(self, epochs: int, steps: int, flush: bool) -> None:
        self.record.update(epochs=epochs, steps=steps, flush_denormal=flush,
                           fit_started=time.time(), fit_started_cpu=time.process_time())
        _write_json(self.path, self.record)

    def clear(self) -> None:
        """No point in flight (between points, and after the last one)."""
        self.record = {"point": None, "point_started": None, "fits": []}
        _write_json(self.path, self.record)

    def fit_done(self, epochs: int, wall_s: float, cpu_s: float, flush: bool) -> None:
        self.record["fits"].append({"epochs": epochs, "wall_s": wall_s, "cpu_s": cpu_s,
                                    "flush_denormal": flush})
        self.record["fit_started"] = self.record["fit_started_cpu"] = None
        _write_json(self.path, self.record)


def flush_supported(torch) -> bool:
    """Whether this CPU can flush denormals (``torch.set_flush_denormal`` says so)."""
    supported = bool(torch.set_flush_denormal(True))
    torch.set_flush_denormal(False)
    return supported


def extra_epochs(epoch_s: float, target_s: float, budget_left_s: float, modes: int,
                 max_extra: int) -> int:
    """``ΔE``: about ``target_s`` of extra work, and one round within the budget left.

    A round fits ``1 + (1 + ΔE)`` epochs per mode, each about ``epoch_s``.
    """
    per_epoch = max(epoch_s, 1e-7)
    wanted = math.ceil(target_s / per_epoch - 1e-9)
    affordable = math.floor(0.8 * budget_left_s / (modes * per_epoch)) - 2
    return max(1, min(wanted, affordable, max_extra))


def calibrate(timed_fit, target_s: float, budget_s: float,
              max_extra: int) -> tuple[float, list[dict[str, float]]]:
    """Time of one epoch without the fit's setup, from fits of growing length.

    Fits 1 epoch, then ``1 + k`` epochs for ``k = 1, 4, 16, ...`` until the extra ``k``
    epochs take a quarter of ``target_s``, ``k`` reaches ``max_extra``, or the next fit
    would take more than 30 % of ``budget_s`` (then the estimate keeps the setup in, which
    errs on the long side).

    Returns
    -------
    epoch_s : float
    fits : list of dict
        ``{"epochs", "wall_s"}`` of every calibration fit.
    """
    start = time.perf_counter()
    base = timed_fit(1)
    fits = [{"epochs": 1, "wall_s": base}]
    epoch_s, extra = base, 1
    while time.perf_counter() - start + base + extra * epoch_s <= 0.3 * budget_s:
        wall = timed_fit(1 + extra)
        fits.append({"epochs": 1 + extra, "wall_s": wall})
        if wall > base:
            epoch_s = (wall - base) / extra
        if wall - base >= target_s / 4 or extra >= max_extra:
            break
        extra = min(extra * 4, max_extra)
    return epoch_s, fits


def run_point(impl, lib, torch, job: dict, point: dict, progress: Progress,
              supported: bool) -> dict[str, Any]:
    """Measure one point (see the module docstring)."""
    import numpy as np

    progress.point(point["id"])
    started = time.perf_counter()
    pjob = {**job, **point, "repeats": 1}
    data = impl.load_data(lib, pjob, np.load(point["data_path"]))
    sync = getattr(impl, "sync", None)
    steps = int(point["steps_per_epoch"])
    modes = [bool(m) for m in job.get("flush_modes", [False])]
    if not supported:
        modes = [False]

    def timed_fit(epochs: int, flush: bool) -> tuple[float, float]:
        torch.set_flush_denormal(flush)
        local = {**pjob, "epochs": epochs}
        som = impl.build(lib, local, data)
        if sync:
            sync(lib, local)
        progress.fit(epochs, epochs * steps, flush)
        wall, cpu = time.perf_counter(), time.process_time()
        impl.fit(lib, local, som, data)
        if sync:
            sync(lib, local)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        progress.fit_done(epochs, wall, cpu, flush)
        torch.set_flush_denormal(False)
        return wall, cpu

    clock = str(job.get("clock", "wall"))
    if job.get("floor"):  # first, so that the rounds' budget counts its time
        out_floor = floor_products(
            torch, int(point["rows"]), int(point["features"]), int(point["neurons"]),
            job.get("device", "cpu"), FLOOR_CHUNKS if point["rule"] == "batch" else (),
            CLOCKS[clock])
    budget = float(job.get("point_budget_s") or 1e9)
    max_extra = int(job.get("max_extra_epochs", 400))
    epoch_s, calibration = calibrate(lambda epochs: timed_fit(epochs, False)[0],
                                     float(job["target_s"]),
                                     budget - (time.perf_counter() - started), max_extra)
    left = budget - (time.perf_counter() - started)
    extra = extra_epochs(epoch_s, float(job["target_s"]), left, len(modes), max_extra)
    e1, e2 = 1, 1 + extra
    rounds: list[dict[str, Any]] = []
    for r in range(int(job["rounds"])):
        order = modes if r % 2 == 0 else modes[::-1]
        record = {}
        round_start = time.perf_counter()
        for flush in order:
            short, long = timed_fit(e1, flush), timed_fit(e2, flush)
            record["ftz" if flush else "plain"] = {"e1_wall": short[0], "e1_cpu": short[1],
                                                   "e2_wall": long[0], "e2_cpu": long[1]}
        rounds.append(record)
        spent = time.perf_counter() - started
        if spent + (time.perf_counter() - round_start) > 0.8 * budget:
            break
    out: dict[str, Any] = {"point": point["id"], "status": "ok", "e1": e1, "e2": e2,
                           "extra_epochs": extra, "steps_per_epoch": steps,
                           "epoch_s": epoch_s, "calibration": calibration, "rounds": rounds,
                           "flush_denormal_supported": supported, "clock": clock}
    for key, suffix in (("plain", ""), ("ftz", "_ftz")):
        for kind in ("wall", "cpu"):
            pairs = [(r[key][f"e1_{kind}"], r[key][f"e2_{kind}"]) for r in rounds if key in r]
            out[f"step_{kind}_us{suffix}"] = _median_step(pairs, extra, steps)
        out[f"step_us{suffix}"] = out[f"step_{clock}_us{suffix}"]
    out["denormal_ratio"] = None
    if out["step_us_ftz"] is None:
        out["denormal_note"] = ("flush-denormal is not supported on this CPU" if not supported
                                else "not measured for this backend")
    elif out["step_us"] <= 0 or out["step_us_ftz"] <= 0:
        out["denormal_note"] = "timing too noisy: a step time came out non-positive"
    else:
        out["denormal_ratio"] = _paired_ratio(rounds, clock)
        if out["denormal_ratio"] is None:
            out["denormal_note"] = "timing too noisy: no round gave two positive step times"
    if job.get("floor"):
        out["floor"] = out_floor
    out["point_s"] = time.perf_counter() - started
    return out


def _paired_ratio(rounds: list[dict[str, Any]], clock: str) -> float | None:
    """Median over rounds of that round's step time without flush-denormal over its step
    time with it.

    A round measures both modes back to back, so a slow spell of a shared machine moves
    both sides of its ratio; the ratio of the two medians mixes rounds and does not.
    Rounds with a non-positive step time (timing noise) are left out; None if all are.
    """
    ratios = []
    for record in rounds:
        if "plain" not in record or "ftz" not in record:
            continue
        plain, ftz = (record[key][f"e2_{clock}"] - record[key][f"e1_{clock}"]
                      for key in ("plain", "ftz"))
        if plain > 0 and ftz > 0:
            ratios.append(plain / ftz)
    return statistics.median(ratios) if ratios else None


def _median_step(pairs, extra: int, steps: int) -> float | None:
    if not pairs:
        return None
    return statistics.median((b - a) / (extra * steps) * 1e6 for a, b in pairs)


def main(impl, job: dict) -> int:
    """Run every point of ``job``; return 0 when the process got through all of them."""
    out_dir = job["out_dir"]
    os.makedirs(out_dir, exist_ok=True)
    progress = Progress(os.path.join(out_dir, "progress.json"))
    process: dict[str, Any] = {"ok": False}
    process_path = os.path.join(out_dir, "sweep-process.json")
    try:
        lib = impl.import_lib(job)
        import torch

        torch.set_num_threads(int(job["threads"]))
        supported = flush_supported(torch)
        process.update(versions=impl.versions(lib), threads_seen=torch.get_num_threads(),
                       flush_denormal_supported=supported)
        if job.get("floor"):
            process["matmul_gflops_start"] = matmul_gflops(torch, job.get("device", "cpu"))
        _write_json(process_path, process)
        with open(os.path.join(out_dir, "sweep.jsonl"), "a") as results:
            for point in job["points"]:
                try:
                    line = run_point(impl, lib, torch, job, point, progress, supported)
                except Exception as exc:  # one failing point does not stop the others
                    line = {"point": point["id"], "status": "error",
                            "reason": f"{type(exc).__name__}: {exc}",
                            "traceback": traceback.format_exc()[-2000:]}
                results.write(json.dumps(line) + "\n")
                results.flush()
                progress.clear()
        if job.get("floor"):
            process["matmul_gflops_end"] = matmul_gflops(torch, job.get("device", "cpu"))
        process["ok"] = True
    except BaseException as exc:  # report every failure to the driver
        process.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                       traceback=traceback.format_exc())
    _write_json(process_path, process)
    return 0 if process["ok"] else 1
