"""Shape of ``benchmarks/results/*.json`` and a validator for it.

Top level::

    schema        "torchsom-bench/1"
    created       ISO date-time (UTC) of the end of the run
    command       the exact command line
    machine       {"cpu", "cores", "memory_gb", "platform", "python"}
    packages      {backend: ["name==version", ...]}  (pip freeze of each venv)
    options       the harness options used
    noise         {"start": [probe...], "end": [probe...]}; probe = micro.py matmul output
    bmu           [micro.py bmu output per thread count]
    imports       {backend: {"start_mb", "import_mb", "engine_mb", "torch_only_mb",
                   "modules_after_import", "modules_after_engine", "runs"}} (torch backends;
                   medians over fresh processes, runners/import_probe.py; optional)
    configs       [{"id", "group", "n", "features", "x", "y", "epochs", "repeats", "note"}]
    results       [entry...]
    sweep         (when the run includes the sweep) {"options", "points", "results",
                   "processes"}: see below
    profiles      (with --profile) {case: torch.profiler summary} from runners/profile_ours.py
    merged_from   only in benchmarks/results/merged.json, never behind BENCHMARKS.md

Entry (one configuration × variant × thread count)::

    config, variant, backend, rule, batch_size, threads, device
    status        "ok" | "timeout" | "oom" | "error" | "skipped"
    reason        why, for anything but "ok"
    runs          [{"status", "wall_s", "times": {import, data, init, fit},
                    "rss_mb": {start, after_import, before_fit, peak_fit, peak},
                    "watch_peak_mb"}]
    median        {"fit", "import", "data", "init", "peak_rss_mb",
                   "rss_after_import_mb", "peak_above_import_mb"} (status "ok" only)
    qe, te        from benchmarks.quality on the first run's final weights (status "ok")

Sweep point result (one point × backend, see benchmarks/sweep.py)::

    point, backend, status ("ok" | "timeout" | "oom" | "error"), reason (not "ok")
    e1, e2, extra_epochs, steps_per_epoch, epoch_s, calibration, rounds (raw fit times)
    clock                           "cpu" or "wall": the clock step_us and floor are read on
    step_us                         median µs per step on that clock, flush-denormal off
    step_wall_us, step_cpu_us       the same on each clock
    step_us_ftz (and _wall/_cpu)    with torch.set_flush_denormal(True) (ours)
    denormal_ratio                  step_us / step_us_ftz (ours; None if unsupported or
                                    too noisy, and then denormal_note says which)
    flush_denormal_supported        what torch.set_flush_denormal(True) returned
    floor                           {"search_us", "update_us", "us", "search_gflops",
                                     "update_gflops"} (ours)
    lower_bound_step_us             status "timeout": a bound from the killed fit
"""

from __future__ import annotations

from typing import Any

SCHEMA = "torchsom-bench/1"
STATUSES = ("ok", "timeout", "oom", "error", "skipped")
TOP_KEYS = ("schema", "created", "command", "machine", "packages", "options", "noise", "bmu",
            "configs", "results")
ENTRY_KEYS = ("config", "variant", "backend", "rule", "batch_size", "threads", "device",
              "status", "runs")
MEDIAN_KEYS = ("fit", "import", "data", "init", "peak_rss_mb", "rss_after_import_mb",
               "peak_above_import_mb")


SWEEP_KEYS = ("options", "points", "results")
SWEEP_RESULT_KEYS = ("point", "backend", "status")


def entry_key(entry: dict[str, Any]) -> tuple[str, str, int, str]:
    return (entry["config"], entry["variant"], int(entry["threads"]), entry.get("device", "cpu"))


def validate(doc: dict[str, Any]) -> list[str]:
    """Problems found in a results document (empty when it is valid)."""
    problems: list[str] = []
    for key in TOP_KEYS:
        if key not in doc:
            problems.append(f"missing top-level key {key!r}")
    if doc.get("schema") != SCHEMA:
        problems.append(f"schema is {doc.get('schema')!r}, expected {SCHEMA!r}")
    config_ids = {c.get("id") for c in doc.get("configs", [])}
    seen = set()
    for i, entry in enumerate(doc.get("results", [])):
        where = f"results[{i}]"
        for key in ENTRY_KEYS:
            if key not in entry:
                problems.append(f"{where}: missing {key!r}")
        if any(k not in entry for k in ENTRY_KEYS):
            continue
        where = f"{where} ({entry['config']}/{entry['variant']}/t{entry['threads']})"
        if entry["config"] not in config_ids:
            problems.append(f"{where}: config not listed in 'configs'")
        key = entry_key(entry)
        if key in seen:
            problems.append(f"{where}: duplicate entry")
        seen.add(key)
        status = entry["status"]
        if status not in STATUSES:
            problems.append(f"{where}: unknown status {status!r}")
        if status == "ok":
            median = entry.get("median") or {}
            for m in MEDIAN_KEYS:
                if m not in median:
                    problems.append(f"{where}: median lacks {m!r}")
            if not isinstance(median.get("fit"), (int, float)) or median.get("fit", -1) < 0:
                problems.append(f"{where}: median fit time must be a non-negative number")
            for q in ("qe", "te"):
                if not isinstance(entry.get(q), (int, float)):
                    problems.append(f"{where}: {q} must be a number")
            te = entry.get("te")
            if isinstance(te, (int, float)) and not 0.0 <= te <= 1.0:
                problems.append(f"{where}: te must lie in [0, 1]")
            if not entry["runs"]:
                problems.append(f"{where}: no runs")
        elif not entry.get("reason"):
            problems.append(f"{where}: status {status!r} needs a reason")
    if "sweep" in doc:
        problems += validate_sweep(doc["sweep"])
    return problems


def validate_sweep(section: dict[str, Any]) -> list[str]:
    """Problems found in a results document's ``sweep`` section."""
    problems = [f"sweep: missing {k!r}" for k in SWEEP_KEYS if k not in section]
    if problems:
        return problems
    ids = {p.get("id") for p in section["points"]}
    seen = set()
    for i, result in enumerate(section["results"]):
        where = f"sweep.results[{i}]"
        missing = [k for k in SWEEP_RESULT_KEYS if k not in result]
        if missing:
            problems.append(f"{where}: missing {', '.join(map(repr, missing))}")
            continue
        where = f"{where} ({result['point']}/{result['backend']})"
        if result["point"] not in ids:
            problems.append(f"{where}: point not listed in sweep.points")
        key = (result["point"], result["backend"])
        if key in seen:
            problems.append(f"{where}: duplicate result")
        seen.add(key)
        if result["status"] not in STATUSES:
            problems.append(f"{where}: unknown status {result['status']!r}")
        elif result["status"] != "ok":
            if not result.get("reason"):
                problems.append(f"{where}: status {result['status']!r} needs a reason")
            continue
        if not isinstance(result.get("step_us"), (int, float)):
            problems.append(f"{where}: step_us must be a number")
        if result["backend"] == "ours":
            floor = result.get("floor") or {}
            if not isinstance(floor.get("us"), (int, float)) or floor["us"] <= 0:
                problems.append(f"{where}: floor.us must be a positive number")
            if "flush_denormal_supported" not in result:
                problems.append(f"{where}: flush_denormal_supported not recorded")
            elif result["flush_denormal_supported"] and not isinstance(
                    result.get("denormal_ratio"), (int, float)) and not result.get(
                    "denormal_note"):
                problems.append(f"{where}: denormal_ratio must be a number (or say why not)")
    return problems
