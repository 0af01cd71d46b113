"""The sweep: per-step cost of our rules over features × map × batch, against its floor.

Points
    features {4, 16, 64, 256, 1024} × maps {10×10, 18×14, 25×15, 50×50} × mini-batch
    size {16, 256}, plus the batch rule at every (features, map): 60 points.

Step
    Mini-batch rule: one batch's search and update (an epoch has ``ceil(n / b)`` steps).
    Batch rule: one epoch (the search of all ``n`` samples and one update); the report
    also gives it per sample.

Time per step
    The runner (``runners/_sweep.py``) fits fresh, PCA-initialised maps of ``E1 = 1`` and
    ``E2 = 1 + ΔE`` epochs and divides the difference of the two fit times by the
    ``ΔE × steps`` that separate them, so import, data loading, initialisation and the
    fixed per-fit setup cancel. ``ΔE`` is sized in the runner so that the difference is
    about ``target_s``. Rounds interleave the two fits and, for our backend, fits with
    ``torch.set_flush_denormal(False)`` and ``(True)``; the step time is the median over
    rounds (ours runs ``OURS_EXTRA_ROUNDS`` more). The flush-denormal sensitivity is the
    median over rounds of each round's own ratio, so a slow spell of a shared machine that
    hits one round moves both sides of that round's ratio.

Compute floor
    The two products no exact step can avoid, timed directly in our runner process at the
    point's shapes (median of many, float32, one thread): the search ``(b, F) @ (F, n)``
    and the update ``(F, b) @ (b, n)``, with ``b`` the batch size (``n`` samples for the
    batch rule) and ``n`` the number of units.

This module holds the plan and the arithmetic; ``benchmarks/sweep_run.py`` runs it.
"""

from __future__ import annotations

import fnmatch
import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any

FEATURES = (4, 16, 64, 256, 1024)
MAPS = ((10, 10), (18, 14), (25, 15), (50, 50))
BATCHES = (16, 256)

#: a step may take at most FLOOR_FACTOR × floor + FLOOR_SLACK_US
FLOOR_FACTOR = 1.5
FLOOR_SLACK_US = 30.0
#: at least this many times faster than torchsom 1.3.1 at every mini-batch point
LEGACY_MIN_RATIO = 5.0
#: time without flush-denormal / time with it, at most
DENORMAL_MAX = 1.1

#: extra rounds of our backend when several are asked for: each of its rounds also times
#: the flush-denormal mode, and the sensitivity is the median of the rounds' paired ratios
OURS_EXTRA_ROUNDS = 2


def rounds_of(backend: str, rounds: int) -> int:
    """Interleaved rounds per point of ``backend`` when ``rounds`` are asked for."""
    return rounds + OURS_EXTRA_ROUNDS if backend == "ours" and rounds > 1 else rounds


#: sizing model of our step (only to choose sample counts; never reported)
_MODEL_OVERHEAD_US = 30.0
_MODEL_FLOP_PER_US = 40e3  # 40 GFLOP/s
_EPOCH_TARGET_S = 0.05
_MIN_STEPS, _MAX_STEPS = 8, 64
_BATCH_RULE_SAMPLES = (1024, 16384)


@dataclass(frozen=True)
class SweepPoint:
    """One point of the sweep: a rule on a data shape and a map."""

    rule: str  # "minibatch" | "batch"
    batch_size: int | None
    features: int
    x: int
    y: int
    n: int  # samples

    @property
    def neurons(self) -> int:
        return self.x * self.y

    @property
    def id(self) -> str:
        tag = f"mb{self.batch_size}" if self.rule == "minibatch" else "batch"
        return f"{tag}-f{self.features}-{self.x}x{self.y}"

    @property
    def steps_per_epoch(self) -> int:
        """Mini-batch: batches per epoch; batch rule: 1 (a step is an epoch)."""
        return math.ceil(self.n / self.batch_size) if self.rule == "minibatch" else 1

    @property
    def rows(self) -> int:
        """Rows of the step's products: the batch size, or all samples for the batch rule."""
        return self.batch_size if self.rule == "minibatch" else self.n

    @property
    def flops(self) -> int:
        """FLOPs of the step's two products (2·rows·F·units each)."""
        return 4 * self.rows * self.features * self.neurons

    def spec(self) -> dict[str, Any]:
        """The point as a JSON record (id, shapes, steps per epoch)."""
        return {"id": self.id, **asdict(self), "neurons": self.neurons,
                "steps_per_epoch": self.steps_per_epoch, "rows": self.rows}


def minibatch_samples(batch: int, features: int, neurons: int) -> int:
    """Samples of a mini-batch point: 8 to 64 steps per epoch, about 50 ms per epoch."""
    step_us = _MODEL_OVERHEAD_US + 4 * batch * features * neurons / _MODEL_FLOP_PER_US
    steps = round(_EPOCH_TARGET_S * 1e6 / step_us)
    return batch * min(max(steps, _MIN_STEPS), _MAX_STEPS)


def batch_rule_samples(features: int, neurons: int) -> int:
    """Samples of a batch-rule point: a power of two in [1024, 16384], ~50 ms per epoch."""
    lo, hi = _BATCH_RULE_SAMPLES
    wanted = _EPOCH_TARGET_S * 1e6 * _MODEL_FLOP_PER_US / (4 * features * neurons)
    power = 2 ** round(math.log2(max(wanted, 1.0)))
    return min(max(power, lo), hi)


def full_points() -> list[SweepPoint]:
    """Every point of ``make bench``: per (features, map) the two batch sizes, then batch."""
    out = []
    for features in FEATURES:
        for x, y in MAPS:
            for b in BATCHES:
                out.append(SweepPoint("minibatch", b, features, x, y,
                                      minibatch_samples(b, features, x * y)))
            out.append(SweepPoint("batch", None, features, x, y,
                                  batch_rule_samples(features, x * y)))
    return out


def smoke_points() -> list[SweepPoint]:
    """One tiny point (``make bench-smoke``)."""
    return [SweepPoint("minibatch", 16, 4, 5, 4, 128)]


def select_points(points: list[SweepPoint], pattern: str | None) -> list[SweepPoint]:
    """Points whose id matches one of the comma-separated globs (all if none given)."""
    if not pattern:
        return list(points)
    patterns = [p.strip() for p in pattern.split(",") if p.strip()]
    return [p for p in points if any(fnmatch.fnmatch(p.id, g) for g in patterns)]


# ---------------------------------------------------------------------------- arithmetic


def step_seconds(short: float, long: float, extra_epochs: int, steps_per_epoch: int) -> float:
    """Time of one step from two fit times that differ by ``extra_epochs`` epochs."""
    if extra_epochs < 1 or steps_per_epoch < 1:
        raise ValueError("extra_epochs and steps_per_epoch must be at least 1, got "
                         f"{extra_epochs} and {steps_per_epoch}")
    return (long - short) / (extra_epochs * steps_per_epoch)


def median_step_us(pairs: list[tuple[float, float]], extra_epochs: int,
                   steps_per_epoch: int) -> float | None:
    """Median over rounds of the per-step time (µs) of ``(short fit, long fit)`` pairs."""
    if not pairs:
        return None
    return statistics.median(step_seconds(a, b, extra_epochs, steps_per_epoch) * 1e6
                             for a, b in pairs)


def floor_us(search_us: float, update_us: float) -> float:
    """Compute floor of a step: its two products, timed one after the other."""
    return search_us + update_us


def floor_limit_us(floor: float) -> float:
    """The largest step time the target allows: ``1.5 × floor + 30 µs``."""
    return FLOOR_FACTOR * floor + FLOOR_SLACK_US


#: how a killed backend's step time was bounded or estimated
BOUND_DIFFERENCE = "difference"
BOUND_UNFINISHED = "unfinished fit, setup included"
ESTIMATE_SHORTER = "finished shorter fit, setup included (estimate)"


def lower_bound_step_us(progress: dict[str, Any] | None, killed_at: float | None,
                        steps_per_epoch: int, killed_cpu: float | None = None,
                        clock: str = "wall") -> tuple[float | None, str]:
    """A bound on (or estimate of) a killed backend's step time, from its progress record.

    Read on ``clock`` like the finished points: "cpu" uses the child's CPU seconds at the
    kill (``killed_cpu``) against those at the start of the fit (falls back to the wall
    clock, and says so, when either is missing).

    * :data:`BOUND_DIFFERENCE`: a shorter fit of the point finished in ``t_short``; the
      killed fit ran ``elapsed`` seconds without finishing its ``ΔE`` extra epochs, so
      ``step > (elapsed − t_short) / (ΔE · steps)`` (the fit's setup cancels).
    * :data:`BOUND_UNFINISHED`: no shorter fit; ``elapsed / (E · steps)``, which bounds
      the step if the fit's setup is negligible.
    * :data:`ESTIMATE_SHORTER`: the difference is not positive (killed early in the longer
      fit); the shorter fit's time per step, setup included: an estimate, not a bound.

    Returns
    -------
    step_us : float or None
    how : str
        One of the three above (with " (wall clock)" when it fell back), or why there is
        no number.
    """
    if not progress or killed_at is None or progress.get("fit_started") is None:
        return None, "no fit was running"
    use_cpu = (clock == "cpu" and killed_cpu is not None
               and progress.get("fit_started_cpu") is not None)
    key = "cpu_s" if use_cpu else "wall_s"
    note = "" if use_cpu or clock != "cpu" else " (wall clock)"
    elapsed = (killed_cpu - float(progress["fit_started_cpu"]) if use_cpu
               else killed_at - float(progress["fit_started"]))
    epochs = int(progress["epochs"])
    shorter = [f for f in progress.get("fits", []) if f["epochs"] < epochs
               and f.get("flush_denormal") == progress.get("flush_denormal") and key in f]
    if not shorter:
        return elapsed / (epochs * steps_per_epoch) * 1e6, BOUND_UNFINISHED + note
    best = max(shorter, key=lambda f: f["epochs"])
    bound = (elapsed - best[key]) / ((epochs - best["epochs"]) * steps_per_epoch)
    if bound > 0:
        return bound * 1e6, BOUND_DIFFERENCE + note
    return best[key] / (best["epochs"] * steps_per_epoch) * 1e6, ESTIMATE_SHORTER + note


def assess(point: dict[str, Any], ours: dict[str, Any] | None,
           legacy: dict[str, Any] | None) -> dict[str, Any]:
    """Ratios and verdicts of one point from our result and torchsom 1.3.1's.

    Parameters
    ----------
    point : dict
        :meth:`SweepPoint.spec`.
    ours, legacy : dict or None
        Sweep results (``status``, ``step_us``, ...) of our backend and of torchsom 1.3.1
        (None where it was not run, e.g. the batch rule it does not have).

    Returns
    -------
    dict
        ``step_us``, ``floor_us``, ``limit_us``, ``floor_ok``, ``legacy_ratio`` (their
        step / ours; from a killed run when ``legacy_bound``: a lower bound, or an estimate
        when ``legacy_estimate``), ``legacy_ok`` (None when not
        applicable or unknown), ``denormal_ratio``, ``denormal_ok``, ``ok`` (all
        applicable checks pass) and ``notes``.
    """
    out: dict[str, Any] = {"point": point["id"], "notes": []}
    good = ours is not None and ours.get("status") == "ok"
    step = ours.get("step_us") if good else None
    if step is not None and step <= 0:
        out["notes"].append("ours: timing too noisy (non-positive step time)")
        step = None
    out["step_us"] = step
    floor = (ours.get("floor") or {}).get("us") if good else None
    out["floor_us"] = floor
    out["limit_us"] = floor_limit_us(floor) if floor is not None else None
    out["floor_ok"] = (step <= out["limit_us"]) if step is not None and floor is not None \
        else None
    if not good:
        out["notes"].append("ours: " + ((ours or {}).get("reason") or "not run"))
    out.update(legacy_ratio=None, legacy_bound=False, legacy_estimate=False, legacy_ok=None)
    if point["rule"] != "minibatch":
        out["notes"].append("torchsom 1.3.1 has no batch rule")
    elif legacy is None:
        out["notes"].append("torchsom 1.3.1 not run")
    elif step is not None and step > 0:
        if legacy.get("status") == "ok" and legacy.get("step_us"):
            out["legacy_ratio"] = legacy["step_us"] / step
            out["legacy_ok"] = out["legacy_ratio"] >= LEGACY_MIN_RATIO
        else:
            bound = legacy.get("lower_bound_step_us")
            out["notes"].append("torchsom 1.3.1: " + (legacy.get("reason") or "failed"))
            if bound:
                out["legacy_ratio"], out["legacy_bound"] = bound / step, True
                out["legacy_estimate"] = str(legacy.get("lower_bound_method", "")).startswith(
                    ESTIMATE_SHORTER)
                out["legacy_ok"] = True if bound / step >= LEGACY_MIN_RATIO else None
    ratio = ours.get("denormal_ratio") if good else None
    out["denormal_ratio"] = ratio
    out["denormal_ok"] = None if ratio is None else ratio <= DENORMAL_MAX
    if good and ratio is None:
        out["notes"].append("denormal ratio: " + (ours.get("denormal_note") or "not measured"))
    checks = [out["floor_ok"], out["denormal_ok"]]
    if point["rule"] == "minibatch":
        checks.append(out["legacy_ok"])
    out["ok"] = all(c is True for c in checks)
    return out
