"""The sweep's sections of the report: per-point tables, misses, and the floor figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import sweep
from benchmarks.report_format import fmt_ratio, fmt_us, table, verdict
from benchmarks.report_results import Results


def _legacy_cell(res: Results, point: dict[str, Any]) -> str:
    legacy = res.sweep_result(point["id"], "torchsom131")
    if legacy is None:
        return "–"
    if legacy["status"] == "ok":
        return fmt_us(legacy["step_us"])
    if legacy["status"] == "timeout":
        bound = legacy.get("lower_bound_step_us")
        estimate = str(legacy.get("lower_bound_method", "")).startswith(sweep.ESTIMATE_SHORTER)
        sign = "≈" if estimate else "≥"
        return "did not finish in " + (legacy.get("reason") or "").rsplit(" in ", 1)[-1] + (
            f" ({sign} {fmt_us(bound)})" if bound else "")
    return legacy["status"]


def _steps_cell(ours: dict[str, Any] | None) -> str:
    if not ours or ours["status"] != "ok":
        return "–"
    return f"{ours['extra_epochs']}×{ours.get('steps_per_epoch', '?')}, {len(ours['rounds'])}"


def _floor_cell(ours: dict[str, Any] | None) -> str:
    floor = (ours or {}).get("floor")
    if not floor:
        return "–"
    return (f"{fmt_us(floor['us'])} ({fmt_us(floor.get('search_us'))} + "
            f"{fmt_us(floor.get('update_us'))})")


def _clocks(res: Results) -> tuple[str, str]:
    """The sweep's clock and the other one ("cpu" / "wall")."""
    clock = (res.doc.get("sweep") or {}).get("options", {}).get("clock", "wall")
    return clock, ("wall" if clock == "cpu" else "cpu")


CLOCK_NAMES = {"cpu": "CPU", "wall": "wall"}


def minibatch_table(res: Results) -> list[str]:
    """One row per mini-batch point."""
    clock, other = _clocks(res)
    rows = []
    for p, v in res.verdicts():
        if p["rule"] != "minibatch":
            continue
        ours = res.sweep_result(p["id"], "ours")
        rows.append([
            p["id"], str(p["features"]), f"{p['x']}×{p['y']}", str(p["batch_size"]),
            str(p["n"]), _steps_cell(ours), fmt_us(v["step_us"]),
            fmt_us((ours or {}).get(f"step_{other}_us")), _floor_cell(ours),
            fmt_us(v["limit_us"]),
            _legacy_cell(res, p),
            fmt_ratio(v["legacy_ratio"], v["legacy_bound"], v["legacy_estimate"]),
            "–" if v["denormal_ratio"] is None else f"{v['denormal_ratio']:.2f}",
            verdict(v["ok"])])
    if not rows:
        return []
    return table(["point", "F", "map", "b", "samples", "timed steps (ΔE×steps, rounds)",
                  f"ours µs/step ({CLOCK_NAMES[clock]})", f"ours {CLOCK_NAMES[other]} µs/step",
                  "floor µs (search + update)",
                  "limit µs", "torchsom 1.3.1 µs/step", "speed-up", "denormal ratio",
                  "targets"], rows)


def batch_table(res: Results) -> list[str]:
    """One row per batch-rule point (a step is an epoch over all samples)."""
    clock, other = _clocks(res)
    rows = []
    for p, v in res.verdicts():
        if p["rule"] != "batch":
            continue
        ours = res.sweep_result(p["id"], "ours")
        per_sample = None if v["step_us"] is None else v["step_us"] / p["n"]
        rows.append([
            p["id"], str(p["features"]), f"{p['x']}×{p['y']}", str(p["n"]), _steps_cell(ours),
            fmt_us(v["step_us"]), fmt_us(per_sample),
            fmt_us((ours or {}).get(f"step_{other}_us")),
            _floor_cell(ours), fmt_us(v["limit_us"]),
            "–" if v["denormal_ratio"] is None else f"{v['denormal_ratio']:.2f}",
            verdict(v["ok"])])
    if not rows:
        return []
    return table(["point", "F", "map", "samples", "timed epochs (ΔE×1, rounds)",
                  f"ours µs/epoch ({CLOCK_NAMES[clock]})", "µs/sample",
                  f"ours {CLOCK_NAMES[other]} µs/epoch", "floor µs/epoch (search + update)",
                  "limit µs", "denormal ratio", "targets"], rows)


def _why(res: Results, point: str) -> str:
    prof = res.profile_of(point)
    if not prof:
        return "no profile (run with `--profile`)"
    ops = ", ".join(f"`{o['op']}` {o['share']:.0%}" for o in prof["top_ops"][:4])
    funcs = ", ".join(f"`{f['function']}` {f['share']:.0%}"
                      for f in prof.get("top_functions", [])[:3])
    return f"profile: torch operators {ops}" + (f"; Python own time {funcs}" if funcs else "")


def misses(res: Results) -> list[str]:
    """Each point that misses a target: what, by how much, and (if profiled) why."""
    out = []
    for p, v in res.verdicts():
        if v["ok"]:
            continue
        reasons = []
        if v["floor_ok"] is False:
            reasons.append(f"step {fmt_us(v['step_us'])} µs > limit {fmt_us(v['limit_us'])} µs "
                           f"(floor {fmt_us(v['floor_us'])} µs)")
        if v["legacy_ok"] is False:
            reasons.append(f"only {fmt_ratio(v['legacy_ratio'])} torchsom 1.3.1")
        if v["denormal_ok"] is False:
            reasons.append(f"denormal ratio {v['denormal_ratio']:.2f}")
        reasons += [n for n in v["notes"] if "no batch rule" not in n]
        line = f"- `{p['id']}`: " + "; ".join(reasons or ["not measured"])
        if v["floor_ok"] is False or v["denormal_ok"] is False:
            line += f". {_why(res, p['id'])}"
        out.append(line)
    return out


def section(res: Results, figure_name: str | None) -> list[str]:
    """The whole sweep section (empty when the run had no sweep)."""
    if not res.points:
        return []
    opts = (res.doc.get("sweep") or {}).get("options", {})
    clock, _ = _clocks(res)
    clock_text = ("process CPU time (one thread: what a step costs on a core of its own, "
                  "other processes' share of the machine left out; wall clock beside it)"
                  if clock == "cpu" else "the wall clock (process CPU time beside it)")
    lines = ["", "## Sweep: per-step time against the compute floor", "",
             f"1 torch thread. A mini-batch step is one batch's search and update; a batch-rule "
             f"step is one epoch over all samples (per sample in its own column). Our time is "
             f"the median over {opts.get('rounds', '?')} interleaved rounds of "
             f"`(t(E2) − t(E1)) / (ΔE × steps)`, fits of fresh maps, so import, data loading, "
             f"initialisation and per-fit setup cancel; ΔE is sized for about "
             f"{opts.get('target_s', '?')} s of extra work. Times and floors are read on "
             f"{clock_text}. The floor is the step's two products timed directly in the same "
             f"process (median of many), each in the faster of its two layouts: "
             f"`(b, F) @ (F, n)` and `(F, b) @ (b, n)` (for the batch rule b = all samples, "
             f"in the fastest of row blocks of 256, 1024, 4096 or all). Limit = "
             f"{sweep.FLOOR_FACTOR:g} × floor + {sweep.FLOOR_SLACK_US:g} µs. torchsom 1.3.1 is "
             f"capped at {opts.get('point_cap_s', '?')} s per point. Denormal ratio = our time "
             f"with `torch.set_flush_denormal(False)` / with `(True)`, set in the runner "
             f"before each fit.", ""]
    if figure_name:
        lines += [f"![step time against compute floor]({figure_name})", ""]
    lines += ["### Mini-batch rule", ""] + minibatch_table(res)
    batch = batch_table(res)
    if batch:
        lines += ["", "### Batch rule (per epoch)", ""] + batch
    miss = misses(res)
    lines += ["", "### Points that miss a target", ""] + (miss or ["None."])
    procs = (res.doc.get("sweep") or {}).get("processes", [])
    rates = [f"{p['backend']}/{p['tag']}: {p['matmul_gflops_start']:.1f} → "
             f"{p.get('matmul_gflops_end') or float('nan'):.1f} GFLOP/s"
             for p in procs if p.get("matmul_gflops_start")]
    support = {p.get("flush_denormal_supported") for p in procs if p["backend"] == "ours"}
    lines += ["", "1024³ float32 matmul rate in our sweep processes (start → end): "
              + ("; ".join(rates) or "not recorded") + ". `torch.set_flush_denormal(True)` "
              + ("supported" if support == {True} else "NOT supported" if support == {False}
                 else "support not recorded") + " on this CPU."]
    return lines


def figure(res: Results, path: Path) -> bool:
    """Scatter of step time against compute floor, with the limit line (False if not drawn)."""
    pts = [(p, v) for p, v in res.verdicts() if v["step_us"] and v["floor_us"]]
    if not pts:
        return False
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    styles = {"mb16": ("o", "ours, mini-batch 16"), "mb256": ("s", "ours, mini-batch 256"),
              "batch": ("^", "ours, batch rule (per epoch)")}
    for tag, (marker, label) in styles.items():
        sel = [(p, v) for p, v in pts if p["id"].split("-")[0] == tag]
        if sel:
            ax.scatter([v["floor_us"] for _, v in sel], [v["step_us"] for _, v in sel],
                       marker=marker, label=label, s=22)
    legacy = [(v["floor_us"], res.sweep_result(p["id"], "torchsom131")["step_us"])
              for p, v in pts if (res.sweep_result(p["id"], "torchsom131") or {}).get("step_us")]
    if legacy:
        ax.scatter(*zip(*legacy), marker="x", color="grey", s=18, label="torchsom 1.3.1")
    lo = min(v["floor_us"] for _, v in pts)
    hi = max(max(v["floor_us"] for _, v in pts), lo * 10)
    xs = [lo * (hi / lo) ** (i / 50) for i in range(51)]
    ax.plot(xs, [sweep.floor_limit_us(x) for x in xs], "k--", linewidth=1,
            label=f"limit {sweep.FLOOR_FACTOR:g}×floor + {sweep.FLOOR_SLACK_US:g} µs")
    ax.plot(xs, xs, "k:", linewidth=0.8, label="floor")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("compute floor of the step (µs)")
    ax.set_ylabel("measured time per step (µs)")
    ax.set_title(f"Sweep, 1 thread: {res.cpu}", fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True
