"""Run the sweep (``benchmarks/sweep.py``): runner processes, per-point caps, restarts.

For each feature count in turn, our runner measures that count's points (both rules),
then torchsom 1.3.1's runner measures its mini-batch points, so both see the machine in
the same stretch of time. One process per (backend, feature count) goes through its
points in order at one thread. A point that runs past ``--point-cap`` seconds (or past
the memory cap) is killed with its process, recorded as not finished, with a lower bound
on its step time where the progress file allows one, and a fresh process takes the next
point.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from benchmarks import configs as cfg
from benchmarks import sweep
from benchmarks.data import data_path
from benchmarks.supervise import REPO, PointCap, child_env, log, stderr_tail, watch

RUNNERS = REPO / "benchmarks" / "runners"
#: backends measured in the sweep, and the rules each one has
SWEEP_BACKENDS = {"ours": ("minibatch", "batch"), "torchsom131": ("minibatch",)}


def sweep_job(backend: str, points: list[dict[str, Any]], out_dir: Path, args) -> dict:
    """The runner's job: the points, the timing settings, what to measure besides."""
    ours = backend == "ours"
    return {
        "kind": "sweep", "backend": backend, "threads": 1, "device": args.device,
        "sigma": cfg.SIGMA, "learning_rate": cfg.LEARNING_RATE, "constant_lr": False,
        "seed": cfg.SOM_SEED, "points": points,
        "rounds": sweep.rounds_of(backend, args.sweep_rounds),
        "target_s": args.sweep_target_s, "max_extra_epochs": 400,
        "point_budget_s": args.point_cap, "flush_modes": [False, True] if ours else [False],
        "floor": ours, "clock": args.sweep_clock, "out_dir": str(out_dir),
    }


def point_cap(backend: str, args) -> float:
    """Seconds after which a point is killed: ``--point-cap`` for the compared backends.

    Our runner is the one measured against its floor: it is never cut at the cap (its
    rounds stop within ``--point-cap`` by themselves); four times the cap, at least 120 s,
    only guards against a hang.
    """
    return max(4 * args.point_cap, 120.0) if backend == "ours" else args.point_cap


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a runner's ``sweep.jsonl`` (a cut last line is dropped)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def killed_result(point: dict[str, Any], verdict: dict[str, Any], backend: str,
                  args) -> dict[str, Any]:
    """The result of the point in flight when its process was killed."""
    if verdict["verdict"] == "point-timeout":
        bound, how = sweep.lower_bound_step_us(
            verdict.get("progress"), verdict.get("killed_at"), int(point["steps_per_epoch"]),
            verdict.get("killed_cpu_s"), args.sweep_clock)
        return {"point": point["id"], "status": "timeout",
                "reason": f"did not finish in {point_cap(backend, args):g} s",
                "lower_bound_step_us": bound, "lower_bound_method": how}
    if verdict["verdict"] == "oom":
        return {"point": point["id"], "status": "oom",
                "reason": f"RSS passed the {args.mem_cap_gb:g} GB cap; killed"}
    return {"point": point["id"], "status": "error",
            "reason": f"process ended ({verdict['verdict'] or verdict['returncode']}) "
                      "inside this point"}


def run_backend(python: Path, backend: str, points: list[dict[str, Any]], tag: str,
                args) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """All ``points`` through one backend's runner, restarting after a killed point.

    Returns
    -------
    results : list of dict
        One per point, in order (``status`` "ok", "timeout", "oom" or "error").
    processes : list of dict
        Per process: versions, matmul rates, flush-denormal support, wall time.
    """
    remaining = list(points)
    results: list[dict[str, Any]] = []
    processes: list[dict[str, Any]] = []
    attempt = 0
    while remaining:
        out_dir = args.bench_dir / "runs" / "sweep" / backend / tag / f"p{attempt}"
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        job = sweep_job(backend, remaining, out_dir, args)
        (out_dir / "job.json").write_text(json.dumps(job, indent=1))
        cap = PointCap(out_dir / "progress.json", point_cap(backend, args))
        backstop = point_cap(backend, args) * len(remaining) + 300  # import, data included
        verdict = watch([str(python), str(RUNNERS / cfg.BACKENDS[backend].runner),
                         str(out_dir / "job.json")], child_env(1, args.device),
                        min(backstop, args.timeout * len(remaining)), args.mem_cap_gb * 1024,
                        out_dir, point_cap=cap)
        info_path = out_dir / "sweep-process.json"
        info = json.loads(info_path.read_text()) if info_path.exists() else {}
        processes.append({"backend": backend, "tag": tag, "wall_s": verdict["wall_s"],
                          "verdict": verdict["verdict"], **info})
        lines = read_lines(out_dir / "sweep.jsonl")
        for line in lines:
            line["backend"] = backend
            _log_point(line)
        results += lines
        done = {line["point"] for line in lines}
        remaining = [p for p in remaining if p["id"] not in done]
        if not remaining:
            break
        in_flight = (verdict.get("progress") or cap.read() or {}).get("point")
        current = next((p for p in remaining if p["id"] == in_flight), None)
        if current is None:  # died outside any point (import, start-up): give up on the rest
            reason = info.get("error") or f"runner failed: {stderr_tail(out_dir)}"
            for p in remaining:
                results.append({"point": p["id"], "backend": backend, "status": "error",
                                "reason": reason})
            break
        failed = {**killed_result(current, verdict, backend, args), "backend": backend}
        _log_point(failed)
        results.append(failed)
        remaining = remaining[remaining.index(current) + 1:]
        attempt += 1
    return results, processes


def _log_point(r: dict[str, Any]) -> None:
    if r["status"] == "ok":
        extra = ""
        if r.get("denormal_ratio"):
            extra += f"  denormal ×{r['denormal_ratio']:.2f}"
        if r.get("floor"):
            extra += f"  floor {r['floor']['us']:9.1f} µs"
        log(f"  [sweep] {r['point']:22s} {r['backend']:12s} {r['step_us']:10.1f} µs/step "
            f"(ΔE {r['extra_epochs']}, {len(r['rounds'])} rounds){extra}")
    else:
        bound = r.get("lower_bound_step_us")
        extra = f" (≥ {bound:.0f} µs/step, {r.get('lower_bound_method')})" if bound else ""
        log(f"  [sweep] {r['point']:22s} {r['backend']:12s} {r['status']}: "
            f"{r.get('reason')}{extra}")


def run_sweep(points: list[sweep.SweepPoint], pythons: dict[str, Path], args) -> dict[str, Any]:
    """Every point through our runner and, for mini-batch points, torchsom 1.3.1's.

    Returns the results document's ``sweep`` section.
    """
    specs = []
    for p in points:
        spec = p.spec()
        spec["data_path"] = str(data_path(args.bench_dir / "data", p.n, p.features))
        specs.append(spec)
    results: list[dict[str, Any]] = []
    processes: list[dict[str, Any]] = []
    for features in sorted({s["features"] for s in specs}):
        for backend, rules in SWEEP_BACKENDS.items():
            if backend not in pythons:
                continue
            chosen = [s for s in specs if s["features"] == features and s["rule"] in rules]
            if chosen:
                found, procs = run_backend(pythons[backend], backend, chosen, f"f{features}",
                                           args)
                results += found
                processes += procs
    return {
        "options": {"point_cap_s": args.point_cap, "rounds": args.sweep_rounds,
                    "clock": args.sweep_clock,
                    "target_s": args.sweep_target_s, "threads": 1,
                    "floor_factor": sweep.FLOOR_FACTOR, "floor_slack_us": sweep.FLOOR_SLACK_US,
                    "legacy_min_ratio": sweep.LEGACY_MIN_RATIO,
                    "denormal_max": sweep.DENORMAL_MAX},
        "points": [{k: v for k, v in s.items() if k != "data_path"} for s in specs],
        "results": results,
        "processes": processes,
    }
