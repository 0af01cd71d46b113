"""The targets table at the top of ``BENCHMARKS.md``, and the further checks below it.

Every row is computed from the one results document the report renders: the whole-fit
entries (medians of interleaved runs, 1 thread) and the sweep's per-step times.
"""

from __future__ import annotations

from typing import Any

from benchmarks import sweep
from benchmarks.report_format import fmt_mb, fmt_ratio, fmt_s, fmt_us, verdict
from benchmarks.report_results import Results

TUTORIAL_MIN = 20.0
BIG_MIN = 10.0
XPYSOM_MIN = 1.5

Row = tuple[str, str, str, str]  # target, measured, pass/miss, CPU


def _ratio(slow: float | None, fast: float | None) -> float | None:
    if slow is None or fast is None or fast <= 0:
        return None
    return slow / fast


def speed_row(res: Results, label: str, config: str, fast: str, slow: str, need: float,
              threads: int = 1) -> Row:
    """``fast`` at least ``need`` times faster than ``slow`` (median whole fits)."""
    f, s = res.fit(config, fast, threads), res.fit(config, slow, threads)
    r = _ratio(s, f)
    measured = f"{fast} {fmt_s(f)} s vs {slow} {fmt_s(s)} s → {fmt_ratio(r)}"
    if r is None:
        measured += " (" + _why_missing(res, config, (fast, slow), threads) + ")"
    return (f"{label}: ≥ {need:g}×", measured, verdict(None if r is None else r >= need),
            res.cpu)


def _why_missing(res: Results, config: str, variants: tuple[str, ...], threads: int) -> str:
    reasons = []
    for v in variants:
        e = res.get(config, v, threads)
        if e is None:
            reasons.append(f"{v} not run")
        elif e["status"] != "ok":
            reasons.append(f"{v}: {e['status']}")
    return "; ".join(reasons) or "not measured"


def kohonen_row(res: Results, threads: int = 1) -> Row:
    """Batch rule on 16000×300: ours-kohonen ≥ 1.5× XPySom, QE and TE both ≤ XPySom's."""
    config = "grid-16000x300"
    ours, peer = res.get(config, "ours-kohonen", threads), res.get(config, "xpysom-batch", threads)
    label = (f"Batch rule 16000×300 (ours-kohonen, lr held at 1, vs XPySom, {threads}t): "
             f"≥ {XPYSOM_MIN:g}× and QE, TE ≤ XPySom's")
    if not (ours and peer and ours["status"] == peer["status"] == "ok"):
        return (label, _why_missing(res, config, ("ours-kohonen", "xpysom-batch"), threads),
                "–", res.cpu)
    r = _ratio(peer["median"]["fit"], ours["median"]["fit"])
    ok = r >= XPYSOM_MIN and ours["qe"] <= peer["qe"] and ours["te"] <= peer["te"]
    measured = (f"{fmt_s(ours['median']['fit'])} s vs {fmt_s(peer['median']['fit'])} s → "
                f"{fmt_ratio(r)}; QE {ours['qe']:.4f} vs {peer['qe']:.4f}; "
                f"TE {ours['te']:.4f} vs {peer['te']:.4f}")
    return label, measured, verdict(ok), res.cpu


def legacy_sweep_row(res: Results) -> Row:
    """Every mini-batch sweep point at least 5× faster per step than torchsom 1.3.1."""
    label = f"Every sweep point (mini-batch): ≥ {sweep.LEGACY_MIN_RATIO:g}× torchsom 1.3.1 per step"
    rows = [(p, v) for p, v in res.verdicts() if p["rule"] == "minibatch"]
    if not rows:
        return label, "sweep not run", "–", res.cpu
    measured = [(p, v) for p, v in rows if v["legacy_ratio"] is not None]
    exact = [(p, v) for p, v in measured if not v["legacy_bound"]]
    bounded = [(p, v) for p, v in measured if v["legacy_bound"]]
    unknown = [p["id"] for p, v in rows if v["legacy_ratio"] is None]
    parts = [f"{len(exact)} of {len(rows)} points measured"]
    if exact:
        p, v = min(exact, key=lambda pv: pv[1]["legacy_ratio"])
        parts.append(f"lowest {fmt_ratio(v['legacy_ratio'])} ({p['id']})")
    if bounded:
        cap = (res.doc.get("sweep") or {}).get("options", {}).get("point_cap_s")
        low = min(v["legacy_ratio"] for _, v in bounded)
        estimates = sum(1 for _, v in bounded if v["legacy_estimate"])
        parts.append(f"{len(bounded)} did not finish in {cap:g} s (lowest {low:.0f}×"
                     + (f"; {estimates} of them estimated from a finished shorter fit"
                        if estimates else "") + ")")
    if unknown:
        parts.append(f"no ratio for {', '.join(unknown)}")
    failing = [p["id"] for p, v in rows if v["legacy_ok"] is False]
    if failing:
        parts.append("below target: " + ", ".join(failing))
    states = [v["legacy_ok"] for _, v in rows]
    ok = False if False in states else (None if None in states else True)
    return label, "; ".join(parts), verdict(ok), res.cpu


def floor_sweep_row(res: Results) -> Row:
    """Every sweep point: step ≤ 1.5 × compute floor + 30 µs."""
    label = (f"Every sweep point: step ≤ {sweep.FLOOR_FACTOR:g} × compute floor + "
             f"{sweep.FLOOR_SLACK_US:g} µs")
    rows = res.verdicts()
    if not rows:
        return label, "sweep not run", "–", res.cpu
    judged = [(p, v) for p, v in rows if v["floor_ok"] is not None]
    misses = [(p, v) for p, v in judged if not v["floor_ok"]]
    parts = [f"{len(judged) - len(misses)} of {len(rows)} points within"]
    if judged:
        p, v = max(judged, key=lambda pv: pv[1]["step_us"] / pv[1]["limit_us"])
        parts.append(f"worst {p['id']}: {fmt_us(v['step_us'])} µs vs limit "
                     f"{fmt_us(v['limit_us'])} µs ({v['step_us'] / v['limit_us']:.2f}× the limit)")
    if misses:
        parts.append("misses: " + ", ".join(p["id"] for p, _ in misses))
    unjudged = [p["id"] for p, v in rows if v["floor_ok"] is None]
    if unjudged:
        parts.append("not measured: " + ", ".join(unjudged))
    ok = None if unjudged and not misses else not misses
    return label, "; ".join(parts), verdict(ok), res.cpu


def denormal_row(res: Results) -> Row:
    """Time without / with flush-denormal ≤ 1.1 at every sweep point."""
    label = f"Denormal sensitivity (time without / with flush-denormal) ≤ {sweep.DENORMAL_MAX:g}×"
    rows = res.verdicts()
    if not rows:
        return label, "sweep not run", "–", res.cpu
    ratios = [(p, v) for p, v in rows if v["denormal_ratio"] is not None]
    if not ratios:
        notes = {n for _, v in rows for n in v["notes"] if n.startswith("denormal")}
        return label, "; ".join(sorted(notes)) or "not measured", "–", res.cpu
    p, v = max(ratios, key=lambda pv: pv[1]["denormal_ratio"])
    over = [q["id"] for q, w in ratios if not w["denormal_ok"]]
    measured = (f"max {v['denormal_ratio']:.2f}× ({p['id']}), median "
                f"{sorted(w['denormal_ratio'] for _, w in ratios)[len(ratios) // 2]:.2f}×; "
                f"{len(ratios)} of {len(rows)} points")
    if over:
        measured += "; over: " + ", ".join(over)
    return label, measured, verdict(not over), res.cpu


def headline(res: Results) -> list[Row]:
    """The targets of the engine issue, in its order."""
    return [
        speed_row(res, "Tutorial mini-batch fit (300×4, 25×15, 100 epochs, b=16, 1 thread) vs "
                  "torchsom 1.3.1", "tutorial", "ours-mb16", "torchsom131-mb16", TUTORIAL_MIN),
        speed_row(res, "16000×300, b=16 (1 thread) vs torchsom 1.3.1", "grid-16000x300",
                  "ours-mb16", "torchsom131-mb16", BIG_MIN),
        kohonen_row(res),
        legacy_sweep_row(res),
        floor_sweep_row(res),
        denormal_row(res),
        *extras_rows(res),
    ]


def extras_rows(res: Results) -> list[Row]:
    """The online rule and the scale-out targets, when the run measured them."""
    found = res.doc.get("extras") or {}
    rows: list[Row] = []
    online = found.get("online")
    if online:
        label = "Online rule 16000×300, 25×15 (1 thread) vs MiniSom train: ≥ 20×"
        if online["status"] == "ok":
            r = online["result"]
            walls = r["median_wall_s"]
            rows.append((label, f"ours {walls['ours']:.2f} s vs minisom {walls['minisom']:.2f} s"
                         f" → {r['ratio']:.1f}×", verdict(r["ratio"] >= r["target"]), res.cpu))
        else:
            rows.append((label, "not measured (error)", verdict(None), res.cpu))
    scale = found.get("scale")
    result = scale.get("result", {}) if scale and scale["status"] == "ok" else {}
    stream = result.get("stream")
    if scale:
        label = "Streaming 10⁷×50 `.npy`: throughput ≥ 70 % of in-memory, RssAnon < 300 MB"
        if stream:
            peak = stream["runs"]["memmap"]["peak_above_baseline_mb"]
            rows.append((label, f"{stream['throughput_ratio']:.0%}, +{peak:.0f} MB",
                         verdict(stream["throughput_ratio"] >= 0.7 and peak < 300), res.cpu))
        else:
            rows.append((label, "not measured", verdict(None), res.cpu))
        for run in result.get("ranks", []) or [None]:
            if run is None:
                rows.append(("2 ranks vs 1 (batch rule, 10⁶×50): ≥ 1.7×", "not measured",
                             verdict(None), res.cpu))
                continue
            rows.append((f"2 ranks vs 1, batch rule 10⁶×50, {run['map']}: ≥ 1.7×",
                         f"{run['one_rank_seconds']:.1f} s vs {run['two_rank_seconds']:.1f} s"
                         f" → {run['speedup']:.2f}×", verdict(run["speedup"] >= 1.7), res.cpu))
    return rows


# ---------------------------------------------------------------------------- further checks


def further(res: Results) -> list[tuple[str, str, str, str]]:
    """Rows (check, required, measured, verdict) beyond the headline targets."""
    rows: list[tuple[str, str, str, str]] = []
    more = [t for t in res.threads() if t != 1]
    for t in more:
        for label, config, fast, slow, need in (
                ("Tutorial fit, b=16", "tutorial", "ours-mb16", "torchsom131-mb16", TUTORIAL_MIN),
                ("16000×300, b=16", "grid-16000x300", "ours-mb16", "torchsom131-mb16", BIG_MIN)):
            target, measured, ok, _ = speed_row(res, label, config, fast, slow, need, t)
            rows.append((f"{label} ({t} threads)", f"≥ {need:g}×", measured, ok))
        target, measured, ok, _ = kohonen_row(res, t)
        rows.append((f"16000×300 batch rule vs XPySom ({t} threads)",
                     f"≥ {XPYSOM_MIN:g}×, QE and TE ≤ XPySom's", measured, ok))
    rows += _tutorial_quality(res)
    for t in res.threads():
        for label, fast, slow, need in (("90×70, b=16", "ours-mb16", "torchsom131-mb16", BIG_MIN),
                                        ("90×70, batch rule vs XPySom", "ours-batch",
                                         "xpysom-batch", XPYSOM_MIN)):
            _, measured, ok, _ = speed_row(res, label, "bigmap-90x70", fast, slow, need, t)
            rows.append((f"{label} ({t}t)", f"≥ {need:g}×", measured, ok))
    rows += _memory_rows(res) + _import_rows(res) + _bmu_rows(res)
    return rows


def _tutorial_quality(res: Results) -> list[tuple[str, str, str, str]]:
    rows = []
    for t in res.threads():
        ours, peer = res.get("tutorial", "ours-mb16", t), res.get("tutorial",
                                                                  "torchsom131-mb16", t)
        if ours and peer and ours["status"] == peer["status"] == "ok":
            dq = ours["qe"] / peer["qe"] - 1
            ok = abs(dq) <= 0.05 and ours["te"] <= peer["te"] + 0.01
            rows.append((f"Tutorial QE/TE vs torchsom 1.3.1 ({t}t)",
                         "QE within ±5 %, TE ≤ theirs + 0.01",
                         f"QE {ours['qe']:.4f} vs {peer['qe']:.4f} ({dq:+.1%}); "
                         f"TE {ours['te']:.3f} vs {peer['te']:.3f}", verdict(ok)))
    return rows


def _memory_rows(res: Results) -> list[tuple[str, str, str, str]]:
    rows = []
    for variant in ("ours-mb16", "ours-batch"):
        e = res.get("memory-200x200", variant, 1) or res.get("memory-200x200", variant, 2)
        if e:
            above = e["median"]["peak_above_import_mb"] if e["status"] == "ok" else None
            rows.append((f"200×200 map, {variant}: peak RSS above import", "< 1024 MB",
                         f"{fmt_mb(above)} MB" if above is not None else e["status"],
                         verdict(None if above is None else above < 1024)))
    e = res.get("huge-1Mx50", "ours-batch", 1) or res.get("huge-1Mx50", "ours-batch", 2)
    if e:
        peak = e["median"]["peak_rss_mb"] if e["status"] == "ok" else None
        rows.append(("10⁶×50, batch rule: peak RSS (whole process)", "≤ 2048 MB",
                     f"{fmt_mb(peak)} MB" if peak is not None else e["status"],
                     verdict(None if peak is None else peak <= 2048)))
    return rows


def _import_rows(res: Results) -> list[tuple[str, str, str, str]]:
    footprint: dict[str, Any] = res.doc.get("imports") or {}
    ours, legacy = footprint.get("ours"), footprint.get("torchsom131")
    if not ours:
        return []
    loaded = "matplotlib" in ours["modules_after_import"] + ours["modules_after_engine"]
    then = f"; torchsom 1.3.1 {legacy['import_mb']:.0f} MB" if legacy else ""
    return [
        ("`import torchsom`: matplotlib not loaded", "not loaded",
         "loaded" if loaded else "not loaded", verdict(not loaded)),
        ("`import torchsom`: RSS (fresh process, median)", "< 200 MB",
         f"{ours['import_mb']:.0f} MB (the root loads lazily){then}",
         verdict(ours["import_mb"] < 200)),
        ("RSS once `torchsom.SOM` is loaded (torch in memory)", "for information",
         f"{ours['engine_mb']:.0f} MB; `import torch` alone {ours['torch_only_mb']:.0f} MB"
         + (f"; torchsom 1.3.1 {legacy['engine_mb']:.0f} MB" if legacy else ""), "–"),
    ]


def _bmu_rows(res: Results) -> list[tuple[str, str, str, str]]:
    rows = []
    for probe in res.doc.get("bmu", []):
        rate = probe["matmul"]["gflops"]
        for b in probe["bmu"]:
            share = b["search_gflops"] / rate
            rows.append((f"BMU search {b['n']}×{b['features']} vs {b['neurons']} units "
                         f"({probe['threads']}t)", "≥ 50 % of matmul rate",
                         f"{b['search_gflops']:.1f} / {rate:.1f} GFLOP/s = {share:.0%}",
                         verdict(share >= 0.5)))
    return rows
