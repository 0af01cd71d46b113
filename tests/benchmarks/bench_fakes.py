"""Fake results documents for the benchmark tests (no venv, no timing)."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks import configs as cfg
from benchmarks import schema, sweep
from benchmarks.entries import summarise

CPU = "Test CPU 9000"

#: a sweep runner script without torch: every point takes 10 µs a step, except points
#: with 999 features, which hang in their second fit (after a finished 1-epoch fit)
FAKE_RUNNER = r'''
import json, os, sys, time
job = json.load(open(sys.argv[1]))
out = job["out_dir"]
if os.environ.get("FAKE_CRASH"):
    raise SystemExit("cannot import")
def put(name, value):
    with open(os.path.join(out, name + ".tmp"), "w") as fh:
        json.dump(value, fh)
    os.replace(os.path.join(out, name + ".tmp"), os.path.join(out, name))
put("sweep-process.json", {"ok": False, "versions": {"fake": "1"}})
with open(os.path.join(out, "sweep.jsonl"), "a") as lines:
    for p in job["points"]:
        start = time.time()
        if p["features"] == 999:  # hangs in its second fit, after a 1-epoch fit of 0.1 s
            put("progress.json", {"point": p["id"], "point_started": start, "epochs": 3,
                                  "flush_denormal": False, "fit_started": time.time(),
                                  "fit_started_cpu": time.process_time(),
                                  "fits": [{"epochs": 1, "wall_s": 0.1, "cpu_s": 0.0,
                                            "flush_denormal": False}]})
            end = time.time() + 60
            while time.time() < end:  # busy: CPU time passes with the wall clock
                pass
        put("progress.json", {"point": p["id"], "point_started": start, "fits": []})
        lines.write(json.dumps({"point": p["id"], "status": "ok", "step_us": 10.0,
                                "step_cpu_us": 10.0, "step_wall_us": 12.0, "clock": "cpu",
                                "extra_epochs": 2, "rounds": [{}], "e1": 1, "e2": 3,
                                "steps_per_epoch": p["steps_per_epoch"],
                                "floor": {"us": 5.0, "search_us": 2.0, "update_us": 3.0},
                                "denormal_ratio": 1.0,
                                "flush_denormal_supported": True}) + "\n")
        lines.flush()
        put("progress.json", {"point": None, "point_started": None, "fits": []})
put("sweep-process.json", {"ok": True, "versions": {"fake": "1"}})
'''


def fake_entry(config="tutorial", variant="ours-mb16", threads=1, fit=0.5, status="ok",
               qe=0.2, te=0.01) -> dict[str, Any]:
    """One entry with three runs of ``fit``, ``2 fit`` and ``3 fit`` seconds (median 2 fit)."""
    v = cfg.VARIANTS[variant]
    entry = {"config": config, "variant": variant, "backend": v.backend, "rule": v.rule,
             "batch_size": v.batch_size, "threads": threads, "device": "cpu",
             "status": status, "runs": [], "loadavg_1m": [1.0, 1.2]}
    if status == "ok":
        runs = [{"status": "ok", "wall_s": 2.0, "watch_peak_mb": 300.0,
                 "times": {"import": 1.0, "data": 0.01, "init": 0.02, "fit": fit * k},
                 "rss_mb": {"start": 10.0, "after_import": 150.0, "before_fit": 160.0,
                            "peak_fit": 170.0, "peak": 180.0 + k},
                 "modules_after_import": {"matplotlib": False}} for k in (1, 2, 3)]
        entry.update(runs=runs, median=summarise(runs), qe=qe, te=te)
    else:
        entry["reason"] = "because"
    return entry


def ours_point(point: sweep.SweepPoint, step_us: float, floor: float,
               denormal: float | None = 1.02) -> dict[str, Any]:
    """Our sweep result at ``point``: ``step_us`` per step against a ``floor`` µs floor."""
    return {"point": point.id, "backend": "ours", "status": "ok", "e1": 1, "e2": 11,
            "extra_epochs": 10, "steps_per_epoch": point.steps_per_epoch,
            "epoch_s": 0.01, "calibration": [], "rounds": [{}, {}, {}],
            "clock": "cpu", "step_us": step_us, "step_cpu_us": step_us,
            "step_wall_us": step_us * 1.2,
            "step_us_ftz": None if denormal is None else step_us / denormal,
            "denormal_ratio": denormal, "flush_denormal_supported": denormal is not None,
            "floor": {"search_us": floor / 2, "update_us": floor / 2, "us": floor,
                      "search_gflops": 50.0, "update_gflops": 50.0}}


def legacy_point(point: sweep.SweepPoint, step_us: float | None,
                 bound: float | None = None) -> dict[str, Any]:
    """torchsom 1.3.1's result: ``step_us``, or (None) not finished with ``bound``."""
    if step_us is None:
        return {"point": point.id, "backend": "torchsom131", "status": "timeout",
                "reason": "did not finish in 30 s", "lower_bound_step_us": bound,
                "lower_bound_method": "difference"}
    return {"point": point.id, "backend": "torchsom131", "status": "ok", "e1": 1, "e2": 2,
            "extra_epochs": 1, "steps_per_epoch": point.steps_per_epoch, "rounds": [{}],
            "clock": "cpu", "step_us": step_us, "step_cpu_us": step_us,
            "step_wall_us": step_us, "step_us_ftz": None,
            "denormal_ratio": None, "flush_denormal_supported": True}


def fake_sweep(points: list[sweep.SweepPoint] | None = None, step_us: float = 50.0,
               floor: float = 20.0, legacy_us: float = 2000.0) -> dict[str, Any]:
    """A sweep section where every point passes (unless the numbers say otherwise)."""
    points = points or [sweep.SweepPoint("minibatch", 16, 4, 10, 10, 1024),
                        sweep.SweepPoint("minibatch", 256, 64, 50, 50, 2048),
                        sweep.SweepPoint("batch", None, 4, 10, 10, 16384)]
    results = []
    for p in points:
        results.append(ours_point(p, step_us, floor))
        if p.rule == "minibatch":
            results.append(legacy_point(p, legacy_us))
    return {"options": {"point_cap_s": 30.0, "rounds": 3, "target_s": 0.25, "threads": 1,
                        "clock": "cpu"},
            "points": [p.spec() for p in points], "results": results,
            "processes": [{"backend": "ours", "tag": "f4", "wall_s": 3.0, "verdict": None,
                           "ok": True, "flush_denormal_supported": True,
                           "matmul_gflops_start": 90.0, "matmul_gflops_end": 88.0}]}


def fake_doc(entries=None, with_sweep: bool = True, complete: bool = True) -> dict[str, Any]:
    """A complete run's document: tutorial + 16000×300 entries, and a passing sweep."""
    confs = cfg.full_configs()
    doc = {
        "schema": schema.SCHEMA, "created": "2026-01-01T00:00:00+00:00",
        "command": "python -m benchmarks.harness --profile", "duration_s": 1800.0,
        "machine": {"cpu": CPU, "cpu_flags": ["fpu", "sse3", "avx2", "fma"],
                    "cpu_info_source": "/proc/cpuinfo", "cores": 2, "memory_gb": 24,
                    "platform": "linux", "python": "3.11"},
        "repo": {"commit": "abc1234", "engine_dirty": False},
        "packages": {"ours": ["torch==2.13.0"]},
        "options": {"smoke": False, "part": "all", "only": None, "variants": None,
                    "points": None, "complete": complete, "threads": [1, 2], "repeats": None,
                    "device": "cpu", "timeout_s": 600.0, "mem_cap_gb": 12.0,
                    "slow_threshold_s": 30.0},
        "noise": {"start": [], "end": []}, "bmu": [], "imports": {},
        "configs": [{"id": c.id, "group": c.group, "n": c.n, "features": c.features,
                     "x": c.x, "y": c.y, "epochs": c.epochs, "repeats": c.repeats,
                     "note": c.note} for c in confs],
        "results": entries if entries is not None else [
            fake_entry(), fake_entry(variant="torchsom131-mb16", fit=20.0),
            fake_entry(variant="minisom-online", status="timeout"),
            fake_entry("grid-16000x300", "ours-mb16", fit=1.0),
            fake_entry("grid-16000x300", "torchsom131-mb16", fit=13.0),
            fake_entry("grid-16000x300", "ours-kohonen", fit=0.25, qe=0.50, te=0.01),
            fake_entry("grid-16000x300", "xpysom-batch", fit=0.5, qe=0.52, te=0.02)],
    }
    if with_sweep:
        doc["sweep"] = fake_sweep()
    return doc


def zeros_data(path, n=5, features=3) -> None:
    """A small float32 ``.npy`` data file."""
    np.save(path, np.zeros((n, features), dtype=np.float32))
