"""Benchmark driver: ``python -m benchmarks.harness [options]`` (``make bench``).

Two parts, each backend in its own virtual environment under ``.bench/`` (created with pip
on first use):

* targets: whole fits of the configurations in ``benchmarks/configs.py`` (tutorial,
  16000×300, 90×70, memory scaling, 10⁶×50) for every variant at 1 and 2 threads, one
  process per fit, repeats interleaved, QE/TE from the returned weights;
* sweep: per-step time of our mini-batch rule (batch 16 and 256) and batch rule over
  features {4, 16, 64, 256, 1024} × maps {10×10, 18×14, 25×15, 50×50} at 1 thread, with
  its compute floor, its flush-denormal sensitivity and torchsom 1.3.1's time at the same
  point (``benchmarks/sweep.py``);
* extras (complete runs, or ``--part extras``): the online rule against MiniSom's train and
  the scale-out measurements, streaming and 2 ranks (``benchmarks/extras.py``).

A complete run (no selection) writes ``benchmarks/results/latest.json`` and regenerates
``BENCHMARKS.md`` from that run alone. A selective run writes ``.bench/results/partial.json``
and ``partial.md`` beside it (or ``--out FILE.json`` and ``FILE.md``); ``--merge`` also folds
it into ``benchmarks/results/merged.json`` / ``merged.md``, never into ``BENCHMARKS.md``.

Examples::

    python -m benchmarks.harness --profile            # everything (make bench, ~45 min)
    python -m benchmarks.harness --part targets       # only the target configurations
    python -m benchmarks.harness --part sweep         # only the sweep
    python -m benchmarks.harness --part sweep --points 'mb16-f1024-*,batch-f4-10x10'
    python -m benchmarks.harness --only tutorial,grid-16000x300 --variants 'ours-*'
    python -m benchmarks.harness --smoke              # one tiny config + one sweep point
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import configs as cfg
from benchmarks import extras, probes, schema, sweep
from benchmarks.data import data_path
from benchmarks.entries import run_entries, skipped_entry
from benchmarks.envs import ensure_envs, frozen
from benchmarks.supervise import REPO, child_env, log

DEFAULT_OUT = REPO / "benchmarks" / "results" / "latest.json"
PROFILE_DIR = REPO / "benchmarks" / "results" / "profiles"
RUNNERS = REPO / "benchmarks" / "runners"
PARTS = ("all", "targets", "sweep", "extras")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options; see ``--help``."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", choices=PARTS, default="all",
                   help="targets (whole-fit configurations), sweep (per-step points), extras "
                   "(online rule vs MiniSom; streaming and 2 ranks) or all")
    p.add_argument("--smoke", action="store_true",
                   help="one tiny config through every variant and one tiny sweep point")
    p.add_argument("--only", help="comma-separated globs on config ids or groups")
    p.add_argument("--variants", help="comma-separated globs on variant names")
    p.add_argument("--points", help="comma-separated globs on sweep point ids, e.g. "
                   "'mb16-f64-*' or 'batch-f1024-50x50' (ids: mb16|mb256|batch-fF-XxY)")
    p.add_argument("--threads", default=None,
                   help="thread counts of the target configurations (default 1,2; the sweep "
                   "always runs at 1)")
    p.add_argument("--repeats", type=int, default=None, help="runs per entry (default 3)")
    p.add_argument("--quick", action="store_true", help="1 run per entry, 1 sweep round")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:i] for the torch backends")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    p.add_argument("--mem-cap-gb", type=float, default=12.0, help="RSS cap per run")
    p.add_argument("--slow-threshold", type=float, default=30.0,
                   help="a variant whose first fit takes longer runs once (0: never)")
    p.add_argument("--point-cap", type=float, default=30.0,
                   help="seconds per sweep point and backend before it counts as not finished")
    p.add_argument("--sweep-rounds", type=int, default=None,
                   help="interleaved rounds per sweep point (default 3)")
    p.add_argument("--sweep-clock", choices=("cpu", "wall"), default="cpu",
                   help="clock of the sweep's step times and floors: process CPU time (one "
                   "thread; what a step costs on a core of its own, however busy the "
                   "machine) or wall clock; both are recorded")
    p.add_argument("--sweep-target-s", type=float, default=None,
                   help="seconds of extra epochs between the two timed fits (default 0.25)")
    p.add_argument("--out", type=Path, default=None, help="results JSON (the report goes "
                   "beside it as .md, except for a complete run: BENCHMARKS.md)")
    p.add_argument("--merge", action="store_true",
                   help="also fold this run into benchmarks/results/merged.json and merged.md")
    p.add_argument("--no-report", action="store_true", help="write no markdown")
    p.add_argument("--profile", action="store_true",
                   help="also profile our fits (target cases and every sweep point that misses)")
    p.add_argument("--bench-dir", type=Path, default=REPO / ".bench")
    args = p.parse_args(argv)
    if args.quick and args.repeats is None:
        args.repeats = 1
    if args.sweep_rounds is None:
        args.sweep_rounds = 1 if (args.quick or args.smoke) else 3
    if args.sweep_target_s is None:
        args.sweep_target_s = 0.05 if args.smoke else 0.25
    if args.threads is None:
        args.threads = "1" if args.smoke else "1,2"
    args.thread_list = [int(t) for t in args.threads.split(",") if t.strip()]
    args.complete = is_complete(args)
    if args.out is None:
        results = args.bench_dir / "results"
        args.out = (results / "smoke.json" if args.smoke
                    else DEFAULT_OUT if args.complete else results / "partial.json")
    return args


def is_complete(args: argparse.Namespace) -> bool:
    """Whether the run covers everything, so that it may regenerate ``BENCHMARKS.md``."""
    return (not args.smoke and args.part == "all" and not args.only and not args.variants
            and not args.points)


def plan(args) -> list[tuple[cfg.Config, list[cfg.Variant]]]:
    """The configurations and their variants this run measures."""
    if args.part in ("sweep", "extras") or (
            args.points and not args.only and args.part != "targets"):
        return []
    confs = cfg.smoke_configs() if args.smoke else cfg.full_configs()
    cfg.validate(confs)
    confs = cfg.select(confs, args.only)
    out = []
    for c in confs:
        names = cfg.select_variants(c.variants, args.variants)
        if names:
            out.append((c, [cfg.VARIANTS[n] for n in names]))
    return out


def plan_sweep(args) -> list[sweep.SweepPoint]:
    """The sweep points this run measures."""
    if args.part in ("targets", "extras") or (
            args.only and not args.points and args.part != "sweep"):
        return []
    points = sweep.smoke_points() if args.smoke else sweep.full_points()
    return sweep.select_points(points, args.points)


def run_configs(todo, pythons, args) -> list[dict[str, Any]]:
    """Every entry of the planned configurations."""
    entries: list[dict[str, Any]] = []
    for conf, variants in todo:
        data_file = data_path(args.bench_dir / "data", conf.n, conf.features)
        data = np.load(data_file)
        log(f"[config] {conf.id}: {conf.n}x{conf.features}, {conf.x}x{conf.y}, "
            f"{conf.epochs} epochs")
        for threads in [t for t in args.thread_list if t in conf.threads]:
            chosen = []
            for variant in [v for v in variants if threads in v.threads]:
                if variant.name in conf.skips:
                    entries.append(skipped_entry(conf, variant, threads))
                    log(f"  {conf.id:18s} {variant.name:18s} t{threads}: skipped "
                        f"({conf.skips[variant.name]})")
                else:
                    chosen.append(variant)
            if chosen:
                entries.extend(run_entries(conf, chosen, threads, pythons, data_file, data,
                                           args))
    return entries


def profile(pythons, args, sweep_section: dict[str, Any] | None) -> dict[str, Any]:
    """Profile our fits (``runners/profile_ours.py``); the summaries, by case."""
    from benchmarks import profiling

    out_dir = PROFILE_DIR if args.complete else args.bench_dir / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = profiling.target_cases(args.bench_dir / "data") if args.part != "sweep" else []
    if sweep_section:
        cases += profiling.sweep_cases(sweep_section, args.bench_dir / "data")
    if not cases:
        return {}
    cases_file = out_dir / "cases.json"
    cases_file.write_text(json.dumps(cases, indent=1))
    cmd = [str(pythons["ours"]), str(RUNNERS / "profile_ours.py"), str(out_dir),
           str(cases_file), args.device]
    log(f"[profile] {len(cases)} case(s) -> {out_dir}")
    import subprocess

    subprocess.run(cmd, env=child_env(1, args.device), cwd=str(REPO), check=False)
    summary = out_dir / "summary.json"
    return json.loads(summary.read_text()) if summary.exists() else {}


def _terminate(signum, frame):  # SIGTERM -> SystemExit, so that children are killed
    raise SystemExit(128 + signum)


def build_doc(args, argv, todo, entries, sweep_section, probes_found, backends,
              started) -> dict[str, Any]:
    """The results document of this run (see ``benchmarks/schema.py``)."""
    doc = {
        "schema": schema.SCHEMA,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.harness " + " ".join(
            shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)),
        "machine": probes.machine(),
        "repo": probes.repo_state(),
        "packages": {b: frozen(args.bench_dir, b) for b in backends},
        "options": {"smoke": args.smoke, "part": args.part, "only": args.only,
                    "variants": args.variants, "points": args.points,
                    "complete": args.complete, "threads": args.thread_list,
                    "repeats": args.repeats, "device": args.device, "timeout_s": args.timeout,
                    "slow_threshold_s": args.slow_threshold, "mem_cap_gb": args.mem_cap_gb,
                    "profile": args.profile},
        "duration_s": time.perf_counter() - started,
        **probes_found,
        "configs": [{"id": c.id, "group": c.group, "n": c.n, "features": c.features, "x": c.x,
                     "y": c.y, "epochs": c.epochs, "repeats": args.repeats or c.repeats,
                     "note": c.note} for c, _ in todo],
        "results": entries,
    }
    if sweep_section is not None:
        doc["sweep"] = sweep_section
    return doc


def smoke_problems(doc: dict[str, Any]) -> list[str]:
    """What makes a smoke run fail: any entry or sweep result not "ok", a missing floor or
    denormal ratio."""
    bad = [f"{e['config']}/{e['variant']}: {e['status']}: {e.get('reason')}"
           for e in doc["results"] if e["status"] != "ok"]
    for r in (doc.get("sweep") or {}).get("results", []):
        if r["status"] != "ok":
            bad.append(f"sweep {r['point']}/{r['backend']}: {r['status']}: {r.get('reason')}")
        elif r["backend"] == "ours":
            if not (r.get("floor") or {}).get("us"):
                bad.append(f"sweep {r['point']}: no compute floor")
            if r.get("flush_denormal_supported") and r.get("denormal_ratio") is None:
                bad.append(f"sweep {r['point']}: no denormal ratio")
    if not doc.get("sweep"):
        bad.append("the sweep did not run")
    return bad


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; 0 when every measurement ran (smoke) or nothing errored."""
    signal.signal(signal.SIGTERM, _terminate)
    args = parse_args(argv)
    args.bench_dir = args.bench_dir.resolve()
    todo, points = plan(args), plan_sweep(args)
    extra_parts = [] if args.smoke or args.only or args.points or args.variants else (
        list(extras.PARTS) if args.part in ("all", "extras") else [])
    if not todo and not points and not extra_parts:
        log("nothing selected")
        return 2
    backends = sorted({v.backend for _, vs in todo for v in vs} | {"ours"}
                      | ({"torchsom131"} if any(p.rule == "minibatch" for p in points)
                         else set()))
    started = time.perf_counter()
    pythons = ensure_envs(backends, args.bench_dir, REPO, log)
    noise_start = [p for t in args.thread_list
                   if (p := probes.micro_probe(pythons, "matmul", t, args.bench_dir,
                                               args.device))]
    entries = run_configs(todo, pythons, args)
    sweep_section = None
    if points:
        from benchmarks.sweep_run import run_sweep

        log(f"[sweep] {len(points)} point(s), cap {args.point_cap:g} s per point and backend")
        sweep_section = run_sweep(points, pythons, args)
    extra_results = extras.run_extras(extra_parts, args.out.parent) if extra_parts else None
    bmu = [] if (args.smoke or not todo) else [
        p for t in args.thread_list
        if (p := probes.micro_probe(pythons, "bmu", t, args.bench_dir, args.device))]
    # the smoke run only checks that every backend runs: no footprint or closing noise
    # probe; the import footprint belongs to the target checks
    imports = {} if (args.smoke or not todo) else probes.import_probe(pythons, repeats=3)
    noise_end = [] if args.smoke else [
        p for t in args.thread_list
        if (p := probes.micro_probe(pythons, "matmul", t, args.bench_dir, args.device))]
    found = {"noise": {"start": noise_start, "end": noise_end}, "bmu": bmu, "imports": imports}
    if args.profile:
        found["profiles"] = profile(pythons, args, sweep_section)
    doc = build_doc(args, argv, todo, entries, sweep_section, found, backends, started)
    if extra_results is not None:
        doc["extras"] = extra_results
    problems = schema.validate(doc)
    if problems:
        log("[schema] " + "\n[schema] ".join(problems))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(args.out)
    log(f"[done] {len(entries)} entries, {len(points)} sweep point(s) in "
        f"{doc['duration_s'] / 60:.1f} min -> {args.out}")
    if args.merge:
        from benchmarks import merging

        merging.merge_into(doc)
        log(f"[merge] -> {merging.MERGED_JSON}, {merging.MERGED_MD}")
    if not args.no_report:
        from benchmarks import report

        written = report.write_for_run(doc, args.out, complete=args.complete)
        log(f"[report] -> {written}")
    if args.smoke:
        bad = smoke_problems(doc)
        for line in bad:
            log(f"[smoke] FAILED {line}")
        return 1 if bad or problems else 0
    failed = [e for e in entries if e["status"] == "error"]
    failed += [r for r in (sweep_section or {}).get("results", []) if r["status"] == "error"]
    failed += [r for r in (extra_results or {}).values() if r["status"] == "error"]
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
