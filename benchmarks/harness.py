"""Benchmark driver: ``python -m benchmarks.harness [options]`` (``make bench``).

For every configuration, variant, thread count and repeat it starts the variant's runner
in the backend's own virtual environment (``.bench/<backend>``, created with pip on first
use), with a timeout and a memory cap, then computes QE and TE from the returned weights
with :mod:`benchmarks.quality`. A fixed matmul is timed at the start and at the end of the
run (machine noise), and the BMU search is timed against it. Results go to a JSON file
(``benchmarks/results/latest.json`` by default) and ``BENCHMARKS.md`` is regenerated
from it.

Examples::

    python -m benchmarks.harness                      # everything (make bench)
    python -m benchmarks.harness --smoke              # one tiny config, every backend
    python -m benchmarks.harness --only tutorial,grid-16000x300 --variants 'ours-*' --merge
    python -m benchmarks.harness --quick              # 1 repeat each
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import configs as cfg
from benchmarks import schema
from benchmarks.data import data_path
from benchmarks.envs import ensure_envs, frozen
from benchmarks.quality import quality

REPO = Path(__file__).resolve().parents[1]
RUNNERS = REPO / "benchmarks" / "runners"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "latest.json"


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------------------- child processes


def child_env(threads: int, device: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        env[var] = str(threads)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONHASHSEED"] = "0"
    if not device.startswith("cuda"):
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def _rss_of(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        return None
    return None


def watch(cmd: list[str], env: dict[str, str], timeout_s: float, mem_cap_mb: float,
          out_dir: Path) -> dict[str, Any]:
    """Run ``cmd``; kill it past ``timeout_s`` or ``mem_cap_mb`` of RSS."""
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    peak = 0.0
    verdict = None
    with open(out_dir / "stdout.txt", "w") as out, open(out_dir / "stderr.txt", "w") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=str(REPO),
                                start_new_session=True)
        try:
            while proc.poll() is None:
                rss = _rss_of(proc.pid)
                if rss is not None:
                    peak = max(peak, rss)
                    if rss > mem_cap_mb:
                        verdict = "oom"
                if time.perf_counter() - start > timeout_s:
                    verdict = "timeout"
                if verdict:
                    break
                time.sleep(0.02)
        finally:  # also when the driver itself is interrupted
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    wall = time.perf_counter() - start
    if verdict is None and proc.returncode in (-signal.SIGKILL, 137):
        verdict = "oom"  # killed from outside: the kernel's OOM killer
    return {"returncode": proc.returncode, "verdict": verdict, "wall_s": wall,
            "watch_peak_mb": peak}


def run_job(python: Path, backend: cfg.Backend, job: dict[str, Any], args) -> dict[str, Any]:
    """Run one runner process (all repeats of one entry); return its parsed outcome."""
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
        tail = (out_dir / "stderr.txt").read_text()[-400:]
        out.update(status="error", reason=f"exit {w['returncode']}, no result: {tail}")
    elif not res.get("ok"):
        out.update(status="error", reason=res.get("error", "unknown error"))
    else:
        out.update(status="ok", weights=str(out_dir / "weights.npy"))
    return out


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


# ---------------------------------------------------------------------------- one entry


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
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


def _job(conf: cfg.Config, variant: cfg.Variant, threads: int, data_file: Path, args,
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
            job = _job(conf, variant, threads, data_file, args, round_no)
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


# ---------------------------------------------------------------------------- probes


def probe(pythons, mode: str, threads: int, args) -> dict[str, Any] | None:
    if "ours" not in pythons:
        return None
    out = args.bench_dir / "runs" / f"probe-{mode}-t{threads}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(pythons["ours"]), str(RUNNERS / "micro.py"), mode, str(threads), str(out),
           args.device]
    proc = subprocess.run(cmd, env=child_env(threads, args.device), cwd=str(REPO),
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        log(f"[probe] {mode} t{threads} failed: {proc.stderr[-400:]}")
        return None
    res = json.loads(out.read_text())
    log(f"[noise] {mode:6s} t{threads}: matmul {res['matmul']['gflops']:7.1f} GFLOP/s")
    for b in res.get("bmu", []):
        log(f"[bmu]   t{threads} {b['n']}x{b['features']} vs {b['neurons']:5d} units: "
            f"{b['search_gflops']:6.1f} GFLOP/s "
            f"(same-shape addmm {b['same_shape_addmm_gflops']:.1f})")
    return res


def import_probe(pythons, repeats: int = 3) -> dict[str, Any]:
    """Import footprint of each torch backend: medians over fresh processes."""
    found: dict[str, Any] = {}
    for name, python in sorted(pythons.items()):
        if not cfg.BACKENDS[name].uses_torch:
            continue
        runs = []
        for _ in range(repeats):
            proc = subprocess.run([str(python), str(RUNNERS / "import_probe.py")],
                                  env=child_env(1, "cpu"), cwd=str(REPO), capture_output=True,
                                  text=True, timeout=300)
            if proc.returncode != 0:
                log(f"[import] {name} failed: {proc.stderr[-400:]}")
                break
            runs.append(json.loads(proc.stdout))
        if not runs:
            continue
        summary = {key: statistics.median(r[key] for r in runs)
                   for key in ("start_mb", "import_mb", "engine_mb", "torch_only_mb")}
        summary["modules_after_import"] = runs[-1]["modules_after_import"]
        summary["modules_after_engine"] = runs[-1]["modules_after_engine"]
        summary["runs"] = len(runs)
        found[name] = summary
        log(f"[import] {name}: import {summary['import_mb']:.0f} MB, engine ready "
            f"{summary['engine_mb']:.0f} MB, torch alone {summary['torch_only_mb']:.0f} MB")
    return found


def repo_state() -> dict[str, Any]:
    """Commit of the repository and whether the engine (torchsom/) has local changes."""
    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=str(REPO), capture_output=True,
                                  text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "engine_dirty": bool(git("status", "--porcelain", "--", "torchsom"))}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem,
            "platform": platform.platform(), "python": platform.python_version()}


# ---------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="one tiny config through every variant")
    p.add_argument("--only", help="comma-separated globs on config ids or groups")
    p.add_argument("--variants", help="comma-separated globs on variant names")
    p.add_argument("--threads", default=None, help="comma-separated thread counts (1,2)")
    p.add_argument("--repeats", type=int, default=None, help="runs per entry (default 3)")
    p.add_argument("--quick", action="store_true", help="1 run per entry")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:i] for the torch backends")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    p.add_argument("--mem-cap-gb", type=float, default=12.0, help="RSS cap per run")
    p.add_argument("--slow-threshold", type=float, default=30.0,
                   help="a variant whose first fit takes longer runs once (0: never)")
    p.add_argument("--out", type=Path, default=None, help="results JSON")
    p.add_argument("--merge", action="store_true",
                   help="keep entries of the existing results file that this run does not redo")
    p.add_argument("--no-report", action="store_true", help="do not regenerate BENCHMARKS.md")
    p.add_argument("--profile", action="store_true", help="also profile our fits")
    p.add_argument("--bench-dir", type=Path, default=REPO / ".bench")
    args = p.parse_args(argv)
    if args.quick and args.repeats is None:
        args.repeats = 1
    if args.threads is None:
        args.threads = "1" if args.smoke else "1,2"
    args.thread_list = [int(t) for t in args.threads.split(",") if t.strip()]
    if args.out is None:
        args.out = (args.bench_dir / "results" / "smoke.json") if args.smoke else DEFAULT_OUT
    return args


def plan(args) -> list[tuple[cfg.Config, list[cfg.Variant]]]:
    confs = cfg.smoke_configs() if args.smoke else cfg.full_configs()
    cfg.validate(confs)
    confs = cfg.select(confs, args.only)
    out = []
    for c in confs:
        names = cfg.select_variants(c.variants, args.variants)
        if names:
            out.append((c, [cfg.VARIANTS[n] for n in names]))
    return out


def _terminate(signum, frame):  # SIGTERM -> SystemExit, so that children are killed
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    args = parse_args(argv)
    args.bench_dir = args.bench_dir.resolve()
    todo = plan(args)
    if not todo:
        log("nothing selected")
        return 2
    backends = sorted({v.backend for _, vs in todo for v in vs} | {"ours"})
    started = time.perf_counter()
    pythons = ensure_envs(backends, args.bench_dir, REPO, log)
    noise_start = [p for t in args.thread_list if (p := probe(pythons, "matmul", t, args))]

    entries: list[dict[str, Any]] = []
    for conf, variants in todo:
        data_file = data_path(args.bench_dir / "data", conf.n, conf.features)
        data = np.load(data_file)
        log(f"[config] {conf.id}: {conf.n}x{conf.features}, {conf.x}x{conf.y}, "
            f"{conf.epochs} epochs")
        for threads in args.thread_list:
            chosen = []
            for variant in [v for v in variants if threads in v.threads]:
                if variant.name in conf.skips:
                    entries.append({
                        "config": conf.id, "variant": variant.name, "backend": variant.backend,
                        "rule": variant.rule, "batch_size": variant.batch_size,
                        "threads": threads, "device": "cpu", "runs": [], "status": "skipped",
                        "reason": conf.skips[variant.name]})
                    log(f"  {conf.id:18s} {variant.name:18s} t{threads}: skipped "
                        f"({conf.skips[variant.name]})")
                else:
                    chosen.append(variant)
            if chosen:
                entries.extend(run_entries(conf, chosen, threads, pythons, data_file, data,
                                           args))

    bmu = [] if args.smoke else [p for t in args.thread_list
                                 if (p := probe(pythons, "bmu", t, args))]
    imports = import_probe(pythons, repeats=1 if args.smoke else 3)
    noise_end = [p for t in args.thread_list if (p := probe(pythons, "matmul", t, args))]

    doc = {
        "schema": schema.SCHEMA,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.harness " + " ".join(shlex.quote(a) for a in
                                                             (argv or sys.argv[1:])),
        "machine": machine(),
        "repo": repo_state(),
        "packages": {b: frozen(args.bench_dir, b) for b in backends},
        "options": {"smoke": args.smoke, "only": args.only, "variants": args.variants,
                    "threads": args.thread_list, "repeats": args.repeats,
                    "device": args.device, "timeout_s": args.timeout,
                    "slow_threshold_s": args.slow_threshold,
                    "mem_cap_gb": args.mem_cap_gb},
        "duration_s": time.perf_counter() - started,
        "noise": {"start": noise_start, "end": noise_end},
        "bmu": bmu,
        "imports": imports,
        "configs": [{"id": c.id, "group": c.group, "n": c.n, "features": c.features, "x": c.x,
                     "y": c.y, "epochs": c.epochs, "repeats": args.repeats or c.repeats,
                     "note": c.note} for c, _ in todo],
        "results": entries,
    }
    if args.merge and args.out.exists():
        doc = merge(json.loads(args.out.read_text()), doc)
    problems = schema.validate(doc)
    if problems:
        log("[schema] " + "\n[schema] ".join(problems))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    log(f"[done] {len(entries)} entries in {doc['duration_s'] / 60:.1f} min -> {args.out}")
    if args.profile:
        profile(pythons, args)
    if not args.no_report and not args.smoke:
        from benchmarks import report

        report.main([str(args.out)])
    failed = [e for e in entries if e["status"] == "error"]
    if args.smoke:
        bad = [e for e in entries if e["status"] != "ok"]
        for e in bad:
            log(f"[smoke] FAILED {e['variant']}: {e.get('reason')}")
        return 1 if bad or problems else 0
    return 1 if problems or failed else 0


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with the entries and configs of ``old`` that ``new`` does not redo.

    The machine probes of ``new`` are kept; the earlier ones go under ``merged_from``.
    """
    redone = {schema.entry_key(e) for e in new["results"]}
    kept = [e for e in old.get("results", []) if schema.entry_key(e) not in redone]
    ids = {c["id"] for c in new["configs"]}
    configs = [c for c in old.get("configs", []) if c["id"] not in ids] + new["configs"]
    order = {c.id: i for i, c in enumerate(cfg.full_configs() + cfg.smoke_configs())}
    configs.sort(key=lambda c: order.get(c["id"], len(order)))
    vorder = {name: i for i, name in enumerate(cfg.VARIANTS)}
    results = kept + new["results"]
    results.sort(key=lambda e: (order.get(e["config"], len(order)),
                                vorder.get(e["variant"], len(vorder)), e["threads"]))
    packages = {**old.get("packages", {}), **new["packages"]}
    history = old.get("merged_from", []) + [{
        "created": old.get("created"), "command": old.get("command"), "repo": old.get("repo"),
        "noise": old.get("noise"), "bmu": old.get("bmu"), "kept_entries": len(kept)}]
    threads = {p["threads"] for p in new.get("bmu", [])}
    bmu = new.get("bmu", []) + [p for p in old.get("bmu", []) if p["threads"] not in threads]
    bmu.sort(key=lambda p: p["threads"])
    imports = {**(old.get("imports") or {}), **(new.get("imports") or {})}
    return {**new, "configs": configs, "results": results, "packages": packages,
            "bmu": bmu, "imports": imports, "merged_from": history}


def profile(pythons, args) -> None:
    out_dir = REPO / "benchmarks" / "results" / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = args.bench_dir / "data"
    files = [str(data_path(cache, n, f)) for n, f in ((300, 4), (16000, 300))]
    cmd = [str(pythons["ours"]), str(RUNNERS / "profile_ours.py"), str(out_dir), *files,
           args.device]
    log("[profile] " + " ".join(cmd))
    subprocess.run(cmd, env=child_env(1, args.device), cwd=str(REPO), check=False)


if __name__ == "__main__":
    sys.exit(main())
