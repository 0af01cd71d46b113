"""Whole-fit measurements of the configurations (tutorial, 16000×300, 90×70, memory, 10⁶).

One *entry* is one configuration × variant × thread count. Each of its repeats is one
runner process (``runners/run_<backend>.py JOB.json``, see ``runners/_common.py``), and
the repeats of the variants of one configuration are interleaved: round ``r`` runs one fit
of every variant in turn.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import configs as cfg
from benchmarks.quality import quality
from benchmarks.supervise import REPO, child_env, log, stderr_tail, watch

RUNNERS = REPO / "benchmarks" / "runners"


def runs_of(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The runner's runs in the results-file shape (import and data are per process)."""
    times, rss = res.get("times", {}), res.get("rss_mb", {})
    out = []
    for r in res.get("runs", []):
        out.append({
            "status": "ok",
            "times": {"import": times.get("import"), "data": times.get("data"),
                      "init": r.get("init"), "fit": r.get("fit")},
            "rss_mb": {"start": rss.get("start"), "after_import": rss.get("after_import"),
                       "before_fit": r.get("rss_before_fit"), "peak_init": r.get("peak_init"),
                       "peak_fit": r.get("peak_fit"), "peak": r.get("peak")},
            "modules_after_import": res.get("modules_after_import"),
        })
    return out


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Medians (and fit min/max/first) over an entry's runs."""
    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    median = {k: med([r["times"].get(k) for r in runs]) for k in ("fit", "import", "data", "init")}
    median["peak_rss_mb"] = med([r["rss_mb"].get("peak") for r in runs])
    median["rss_after_import_mb"] = med([r["rss_mb"].get("after_import") for r in runs])
    median["peak_above_import_mb"] = med(
        [r["rss_mb"]["peak"] - r["rss_mb"]["after_import"] for r in runs
         if r["rss_mb"].get("peak") is not None and r["rss_mb"].get("after_import") is not None])
    median["peak_fit_mb"] = med([r["rss_mb"].get("peak_fit") for r in runs])
    fits = [r["times"]["fit"] for r in runs]
    median["fit_min"], median["fit_max"], median["fit_first"] = min(fits), max(fits), fits[0]
    return median


def make_job(conf: cfg.Config, variant: cfg.Variant, threads: int, data_file: Path, args,
             round_no: int) -> dict[str, Any]:
    """The runner's job file for one process: one fit of one entry."""
    backend = cfg.BACKENDS[variant.backend]
    return {
        "config": conf.id, "variant": variant.name, "rule": variant.rule,
        "batch_size": variant.batch_size, "threads": threads,
        "device": args.device if backend.uses_torch else "cpu",
        "n": conf.n, "features": conf.features, "x": conf.x, "y": conf.y,
        "epochs": conf.epochs, "sigma": cfg.SIGMA,
        "learning_rate": (cfg.LEARNING_RATE if variant.constant_lr is None
                          else variant.constant_lr),
        "constant_lr": variant.constant_lr is not None,
        "seed": cfg.SOM_SEED, "data_path": str(data_file), "repeats": 1,
        "slow_threshold": args.slow_threshold,
        "out_dir": str(args.bench_dir / "runs" / conf.id / variant.name / f"t{threads}"
                       / f"r{round_no}"),
    }


def run_job(python: Path, backend: cfg.Backend, job: dict[str, Any], args) -> dict[str, Any]:
    """Run one runner process (one fit of one entry); return its parsed outcome."""
    out_dir = Path(job["out_dir"])
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    job_path = out_dir / "job.json"
    job_path.write_text(json.dumps(job, indent=1))
    cmd = [str(python), str(RUNNERS / backend.runner), str(job_path)]
    w = watch(cmd, child_env(job["threads"], job["device"]), args.timeout,
              args.mem_cap_gb * 1024, out_dir)
    result_file = out_dir / "result.json"
    res = json.loads(result_file.read_text()) if result_file.exists() else {}
    out: dict[str, Any] = {"wall_s": w["wall_s"], "watch_peak_mb": w["watch_peak_mb"],
                           "result": res, "runs": runs_of(res)}
    if w["verdict"] == "timeout":
        out.update(status="timeout", reason=f"killed after {args.timeout:.0f} s "
                   f"({len(out['runs'])} of {job['repeats']} runs done)")
    elif w["verdict"] == "oom":
        out.update(status="oom", reason=f"RSS passed the {args.mem_cap_gb:g} GB cap (seen "
                   f"{w['watch_peak_mb'] / 1024:.1f} GB); killed")
    elif not res:
        out.update(status="error",
                   reason=f"exit {w['returncode']}, no result: {stderr_tail(out_dir)}")
    elif not res.get("ok"):
        out.update(status="error", reason=res.get("error", "unknown error"))
    else:
        out.update(status="ok", weights=str(out_dir / "weights.npy"))
    return out


def skipped_entry(conf: cfg.Config, variant: cfg.Variant, threads: int) -> dict[str, Any]:
    """The entry of a variant the configuration skips on purpose."""
    return {"config": conf.id, "variant": variant.name, "backend": variant.backend,
            "rule": variant.rule, "batch_size": variant.batch_size, "threads": threads,
            "device": "cpu", "runs": [], "status": "skipped", "reason": conf.skips[variant.name]}


def run_entries(conf: cfg.Config, variants: list[cfg.Variant], threads: int, pythons,
                data_file: Path, data: np.ndarray, args) -> list[dict[str, Any]]:
    """Every variant of one configuration at one thread count, repeats interleaved.

    Round ``r`` runs one fit of each variant in turn, each in a fresh process, so a slow
    patch of the (shared, noisy) machine hits all variants alike instead of one variant's
    repeats. A variant whose fit takes longer than ``--slow-threshold`` seconds is not
    repeated; one that fails stops there.
    """
    repeats = args.repeats or conf.repeats
    entries = {v.name: {
        "config": conf.id, "variant": v.name, "backend": v.backend, "rule": v.rule,
        "batch_size": v.batch_size, "threads": threads,
        "device": args.device if cfg.BACKENDS[v.backend].uses_torch else "cpu", "runs": [],
        "loadavg_1m": [round(os.getloadavg()[0], 2)], "wall_s": 0.0, "watch_peak_mb": 0.0,
    } for v in variants}
    first_weights: dict[str, str] = {}
    active = list(variants)
    for round_no in range(repeats):
        for variant in list(active):
            entry = entries[variant.name]
            job = make_job(conf, variant, threads, data_file, args, round_no)
            out = run_job(pythons[variant.backend], cfg.BACKENDS[variant.backend], job, args)
            entry["wall_s"] += out["wall_s"]
            entry["watch_peak_mb"] = max(entry["watch_peak_mb"], out["watch_peak_mb"] or 0.0)
            entry["versions"] = out["result"].get("versions") or entry.get("versions")
            for run in out["runs"]:
                log(f"  {conf.id:18s} {variant.name:18s} t{threads} r{len(entry['runs'])}: "
                    f"fit {run['times']['fit']:8.3f} s  init {run['times']['init']:6.3f} s  "
                    f"peak {run['rss_mb']['peak'] or 0:7.0f} MB")
                entry["runs"].append(run)
            if out["status"] != "ok":
                entry.update(status=out["status"], reason=out.get("reason"))
                log(f"  {conf.id:18s} {variant.name:18s} t{threads}: {out['status']}: "
                    f"{str(out.get('reason'))[:150]}")
                active.remove(variant)
                continue
            first_weights.setdefault(variant.name, out["weights"])
            fit = out["runs"][-1]["times"]["fit"]
            if args.slow_threshold and fit > args.slow_threshold and round_no + 1 < repeats:
                entry["repeats_note"] = (f"{len(entry['runs'])} run(s): a fit took {fit:.0f} s,"
                                         f" over the {args.slow_threshold:.0f} s limit for "
                                         "repeats")
                active.remove(variant)
    done = []
    for variant in variants:
        entry = entries[variant.name]
        entry["loadavg_1m"].append(round(os.getloadavg()[0], 2))
        if entry.get("status") is None:
            entry["qe"], entry["te"] = quality(data, np.load(first_weights[variant.name]))
            entry["status"] = "ok"
            entry["median"] = summarise(entry["runs"])
        done.append(entry)
    return done
