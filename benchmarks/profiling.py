"""Which of our fits ``--profile`` profiles (``runners/profile_ours.py`` does the work).

* the target cases: the tutorial, and 16000×300 with both rules;
* every sweep point that misses a target, worst first, so that the report can say where
  each one's time goes (about 5 s of profiling per point).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import sweep
from benchmarks.data import data_path

#: steps a profiled sweep fit needs at least (profilers slow each step down several times)
PROFILE_STEPS = 2000


def _case(name: str, data: Path, x: int, y: int, epochs: int, rule: str, batch: int,
          point: str | None = None) -> dict[str, Any]:
    return {"name": name, "data_path": str(data), "x": x, "y": y, "epochs": epochs,
            "rule": rule, "batch_size": batch, "point": point}


def target_cases(cache: Path) -> list[dict[str, Any]]:
    """The tutorial and the 16000×300 fits (mini-batch 16 and 256, batch rule)."""
    tutorial, big = data_path(cache, 300, 4), data_path(cache, 16000, 300)
    return [
        _case("tutorial-mb16", tutorial, 25, 15, 100, "minibatch", 16),
        _case("grid-16000x300-mb16", big, 25, 15, 10, "minibatch", 16),
        _case("grid-16000x300-mb256", big, 25, 15, 10, "minibatch", 256),
        _case("grid-16000x300-batch", big, 25, 15, 10, "batch", 16),
    ]


def miss_severity(verdict: dict[str, Any]) -> float:
    """How far a point is from its targets (0 when it meets them)."""
    worst = 0.0
    if verdict.get("floor_ok") is False:
        worst = max(worst, verdict["step_us"] / verdict["limit_us"])
    if verdict.get("denormal_ok") is False:
        worst = max(worst, verdict["denormal_ratio"] / sweep.DENORMAL_MAX)
    if verdict.get("legacy_ok") is False:
        worst = max(worst, sweep.LEGACY_MIN_RATIO / max(verdict["legacy_ratio"], 1e-9))
    return worst


def sweep_cases(section: dict[str, Any], cache: Path,
                limit: int | None = None) -> list[dict[str, Any]]:
    """Profile cases for the sweep points that miss a target, worst first (all of them,
    or the ``limit`` worst)."""
    points = {p["id"]: p for p in section["points"]}
    found = {(r["point"], r["backend"]): r for r in section["results"]}
    misses = []
    for pid, point in points.items():
        ours = found.get((pid, "ours"))
        if not ours or ours["status"] != "ok":
            continue
        verdict = sweep.assess(point, ours, found.get((pid, "torchsom131")))
        severity = miss_severity(verdict)
        if severity > 1.0:
            misses.append((severity, point, ours))
    misses.sort(key=lambda m: -m[0])
    return [_case(f"sweep-{p['id']}", data_path(cache, p["n"], p["features"]), p["x"], p["y"],
                  profile_epochs(ours["e2"], p["steps_per_epoch"]), p["rule"],
                  p["batch_size"] or 16, point=p["id"])
            for _, p, ours in misses[:limit]]


def profile_epochs(measured: int, steps_per_epoch: int) -> int:
    """Epochs of a profiled sweep fit: those measured, cut to about :data:`PROFILE_STEPS`."""
    return max(1, min(measured, -(-PROFILE_STEPS // steps_per_epoch)))
