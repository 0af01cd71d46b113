"""Write ``BENCHMARKS.md`` and ``docs/benchmarks/time_vs_size.png`` from a results JSON.

``python -m benchmarks.report [RESULTS.json]`` (default ``benchmarks/results/latest.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks import configs as cfg

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "latest.json"
FIGURE = REPO / "docs" / "benchmarks" / "time_vs_size.png"
MARKDOWN = REPO / "BENCHMARKS.md"
PROFILES = REPO / "benchmarks" / "results" / "profiles" / "summary.json"

# ---------------------------------------------------------------------------- lookups


def bmu_probes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """BMU probes of this run, plus those of merged earlier runs for other thread counts."""
    probes = list(doc.get("bmu", []))
    for old in reversed(doc.get("merged_from", [])):
        seen = {p["threads"] for p in probes}
        probes += [p for p in (old.get("bmu") or []) if p["threads"] not in seen]
    return sorted(probes, key=lambda p: p["threads"])


class Results:
    def __init__(self, doc: dict[str, Any]):
        doc = {**doc, "bmu": bmu_probes(doc)}
        self.doc = doc
        self.by_key = {(e["config"], e["variant"], int(e["threads"])): e for e in doc["results"]}
        self.configs = {c["id"]: c for c in doc["configs"]}

    def get(self, config: str, variant: str, threads: int) -> dict[str, Any] | None:
        return self.by_key.get((config, variant, threads))

    def fit(self, config: str, variant: str, threads: int) -> float | None:
        e = self.get(config, variant, threads)
        if e is None or e["status"] != "ok":
            return None
        return e["median"]["fit"]

    def threads(self) -> list[int]:
        return sorted({int(e["threads"]) for e in self.doc["results"]})


def fmt_s(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    if value >= 0.001:
        return f"{value:.3f}"
    return f"{value:.1e}"


def fmt_mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def cell(e: dict[str, Any] | None) -> str:
    """Median fit time, or why there is none."""
    if e is None:
        return "–"
    if e["status"] == "ok":
        return fmt_s(e["median"]["fit"])
    return {"skipped": "skip", "timeout": "timeout", "oom": "OOM", "error": "error"}[e["status"]]


# ---------------------------------------------------------------------------- targets


def _ratio(slow: float | None, fast: float | None) -> float | None:
    if slow is None or fast is None or fast <= 0:
        return None
    return slow / fast


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("**pass**" if ok else "**FAIL**")


def targets(res: Results) -> list[tuple[str, str, str, str]]:
    """Rows (target, required, measured, verdict)."""
    rows: list[tuple[str, str, str, str]] = []

    def speed(label, config, fast, slow, need):
        for t in res.threads():
            f, s = res.fit(config, fast, t), res.fit(config, slow, t)
            r = _ratio(s, f)
            measured = (f"{fast} {fmt_s(f)} s vs {slow} {fmt_s(s)} s → "
                        + ("–" if r is None else f"{r:.1f}×"))
            rows.append((f"{label} ({t} thread{'s' if t > 1 else ''})", f"≥ {need}×", measured,
                         _verdict(None if r is None else r >= need)))

    speed("Tutorial fit, mini-batch b=16", "tutorial", "ours-mb16", "torchsom131-mb16", 20)
    for t in res.threads():
        ours, peer = res.get("tutorial", "ours-mb16", t), res.get("tutorial",
                                                                  "torchsom131-mb16", t)
        if ours and peer and ours["status"] == peer["status"] == "ok":
            dq = ours["qe"] / peer["qe"] - 1
            ok = abs(dq) <= 0.05 and ours["te"] <= peer["te"] + 0.01
            rows.append((f"Tutorial QE/TE vs torchsom 1.3.1 ({t}t)",
                         "QE within ±5 %, TE ≤ theirs + 0.01",
                         f"QE {ours['qe']:.4f} vs {peer['qe']:.4f} ({dq:+.1%}); "
                         f"TE {ours['te']:.3f} vs {peer['te']:.3f}", _verdict(ok)))
    speed("16000×300, mini-batch b=16", "grid-16000x300", "ours-mb16", "torchsom131-mb16", 10)
    speed("16000×300, batch rule vs XPySom", "grid-16000x300", "ours-batch", "xpysom-batch",
          1.5)
    for t in res.threads():
        peer = res.get("grid-16000x300", "xpysom-batch", t)
        for variant in ("ours-batch", "ours-kohonen"):
            ours = res.get("grid-16000x300", variant, t)
            if ours and peer and ours["status"] == peer["status"] == "ok":
                ok = ours["qe"] <= peer["qe"] and ours["te"] <= 0.05
                rows.append((f"16000×300 batch-rule quality, {variant} ({t}t)",
                             "QE ≤ XPySom's, TE ≤ 0.05",
                             f"QE {ours['qe']:.3f} vs {peer['qe']:.3f}; TE {ours['te']:.3f} "
                             f"(XPySom {peer['te']:.3f})", _verdict(ok)))
    speed("90×70, mini-batch b=16", "bigmap-90x70", "ours-mb16", "torchsom131-mb16", 10)
    speed("90×70, batch rule vs XPySom", "bigmap-90x70", "ours-batch", "xpysom-batch", 1.5)
    for variant in ("ours-mb16", "ours-batch"):
        e = res.get("memory-200x200", variant, 1) or res.get("memory-200x200", variant, 2)
        if e:
            above = e["median"]["peak_above_import_mb"] if e["status"] == "ok" else None
            rows.append((f"200×200 map, {variant}: peak RSS above import", "< 1024 MB",
                         f"{fmt_mb(above)} MB" if above is not None else e["status"],
                         _verdict(None if above is None else above < 1024)))
    e = res.get("huge-1Mx50", "ours-batch", 1) or res.get("huge-1Mx50", "ours-batch", 2)
    if e:
        peak = e["median"]["peak_rss_mb"] if e["status"] == "ok" else None
        rows.append(("10⁶×50, batch rule: peak RSS (whole process)", "≤ 2048 MB",
                     f"{fmt_mb(peak)} MB" if peak is not None else e["status"],
                     _verdict(None if peak is None else peak <= 2048)))
    footprint = (res.doc.get("imports") or {})
    ours, legacy = footprint.get("ours"), footprint.get("torchsom131")
    if ours:
        loaded = "matplotlib" in ours["modules_after_import"] + ours["modules_after_engine"]
        rows.append(("`import torchsom`: matplotlib not loaded", "not loaded",
                     "loaded" if loaded else "not loaded", _verdict(not loaded)))
        then = f"; torchsom 1.3.1 {legacy['import_mb']:.0f} MB" if legacy else ""
        rows.append(("`import torchsom`: RSS (fresh process, median)", "< 200 MB",
                     f"{ours['import_mb']:.0f} MB (the root loads lazily){then}",
                     _verdict(ours["import_mb"] < 200)))
        rows.append(("RSS once `torchsom.SOM` is loaded (torch in memory)", "for information",
                     f"{ours['engine_mb']:.0f} MB; `import torch` alone "
                     f"{ours['torch_only_mb']:.0f} MB"
                     + (f"; torchsom 1.3.1 {legacy['engine_mb']:.0f} MB" if legacy else ""),
                     "–"))
    for probe in res.doc.get("bmu", []):
        rate = probe["matmul"]["gflops"]
        for b in probe["bmu"]:
            share = b["search_gflops"] / rate
            rows.append((f"BMU search {b['n']}×{b['features']} vs {b['neurons']} units "
                         f"({probe['threads']}t)", "≥ 50 % of matmul rate",
                         f"{b['search_gflops']:.1f} / {rate:.1f} GFLOP/s = {share:.0%}",
                         _verdict(share >= 0.5)))
    rows.append(("`--device cuda` accepted", "flag exists",
                 "yes (passed to the torch backends; not run: no GPU here)", "–"))
    return rows


# ---------------------------------------------------------------------------- figure


def figure(res: Results, path: Path = FIGURE) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    ids = [c["id"] for c in res.doc["configs"]
           if c["group"] in ("tutorial", "grid", "bigmap", "huge")]
    threads = res.threads()
    if not ids or not threads:
        return False
    fig, axes = plt.subplots(1, len(threads), figsize=(5.2 * len(threads), 4.2), sharey=True,
                             squeeze=False)
    markers = "os^vD<>xP"
    for ax, t in zip(axes[0], threads):
        for i, name in enumerate(cfg.VARIANTS):
            pts = []
            for cid in ids:
                c = res.configs[cid]
                fit = res.fit(cid, name, t)
                if fit is not None:
                    pts.append((c["n"] * c["features"] * c["x"] * c["y"] * c["epochs"], fit))
            if not pts:
                continue
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=markers[i % len(markers)],
                    linestyle="-" if name.startswith("ours") else "--", label=name,
                    linewidth=2 if name.startswith("ours") else 1, markersize=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("samples × features × units × epochs")
        ax.set_title(f"{t} thread{'s' if t > 1 else ''}")
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].set_ylabel("median fit time (s)")
    handles = {}
    for ax in axes[0]:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    axes[0][0].legend(handles.values(), handles.keys(), fontsize=7, loc="upper left")
    fig.suptitle("SOM fit time against problem size (25×15 grid, tutorial, 90×70, 10⁶×50)",
                 fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------------- markdown


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def config_table(res: Results, cid: str) -> list[str]:
    threads = res.threads()
    header = ["variant"] + [f"fit {t}t (s)" for t in threads] + [
        "runs", "min–max (s)", "QE", "TE", "import (s)", "init (s)", "RSS after import (MB)",
        "peak RSS (MB)", "load"]
    rows = []
    for name in cfg.VARIANTS:
        entries = [res.get(cid, name, t) for t in threads]
        if not any(entries):
            continue
        first = next((e for e in entries if e and e["status"] == "ok"), None)
        spread = "; ".join(f"{fmt_s(e['median']['fit_min'])}–{fmt_s(e['median']['fit_max'])}"
                           for e in entries if e and e["status"] == "ok")
        runs = "/".join(str(len(e["runs"])) for e in entries if e and e["status"] == "ok")
        if first:
            m = first["median"]
            extra = [runs, spread, f"{first['qe']:.4f}", f"{first['te']:.3f}", fmt_s(m["import"]),
                     fmt_s(m["init"]), fmt_mb(m["rss_after_import_mb"]),
                     fmt_mb(m["peak_rss_mb"])]
        else:
            reason = next((e.get("reason", "") for e in entries if e), "")
            extra = ["", reason.replace("|", "/")[:90], "", "", "", "", "", ""]
        load = "/".join(f"{max(e['loadavg_1m']):.1f}" for e in entries
                        if e and e.get("loadavg_1m"))
        rows.append([name] + [cell(e) for e in entries] + extra + [load or "–"])
    return _table(header, rows)


def memory_table(res: Results) -> list[str]:
    ids = [c["id"] for c in res.doc["configs"] if c["group"] == "memory"]
    if not ids:
        return []
    variants = [v for v in cfg.VARIANTS if any(res.get(i, v, t) for i in ids
                                               for t in res.threads())]
    rows = []
    for cid in ids:
        c = res.configs[cid]
        row = [f"{c['x']}×{c['y']}"]
        for v in variants:
            e = res.get(cid, v, 1) or res.get(cid, v, 2)
            if e is None:
                row.append("–")
            elif e["status"] == "ok":
                row.append(f"{fmt_mb(e['median']['peak_above_import_mb'])} / "
                           f"{fmt_s(e['median']['fit'])} s")
            elif e["status"] == "oom":
                row.append(f"OOM (> {res.doc['options'].get('mem_cap_gb', '?')} GB)")
            else:
                row.append(e["status"])
        rows.append(row)
    return _table(["map"] + variants, rows)


def noise_lines(doc: dict[str, Any]) -> list[str]:
    out = []
    for when in ("start", "end"):
        for p in doc.get("noise", {}).get(when, []):
            out.append(f"- {when}, {p['threads']} thread(s): "
                       f"{p['matmul']['gflops']:.1f} GFLOP/s "
                       f"({p['matmul']['seconds'] * 1e3:.1f} ms per 1024³ matmul)")
    loads = [max(e["loadavg_1m"]) for e in doc.get("results", []) if e.get("loadavg_1m")]
    if loads:
        loads.sort()
        out.append(f"- 1-minute load average around the runs (2 cores = 2.0 when only this "
                   f"harness runs): median {loads[len(loads) // 2]:.1f}, max {loads[-1]:.1f}; "
                   f"the tables' last column gives it per entry (1t/2t)")
    for p in doc.get("bmu", []):
        out.append(f"- BMU probe, {p['threads']} thread(s): matmul "
                   f"{p['matmul']['gflops']:.1f} GFLOP/s just before the search timings")
    for old in doc.get("merged_from", []):
        for when in ("start", "end"):
            for p in (old.get("noise") or {}).get(when, []):
                out.append(f"- earlier run merged in ({old.get('created')}), {when}, "
                           f"{p['threads']} thread(s): {p['matmul']['gflops']:.1f} GFLOP/s")
    return out


def profile_lines() -> list[str]:
    if not PROFILES.exists():
        return ["(no profile: run `python -m benchmarks.harness --profile ...`)"]
    summary = json.loads(PROFILES.read_text())
    out = []
    for name, s in summary.items():
        ops = ", ".join(f"`{o['op']}` {o['share']:.0%}" for o in s["top_ops"][:6])
        out.append(f"- **{name}** ({s['rule']}, 1 thread): fit {fmt_s(s['fit_seconds_unprofiled'])}"
                   f" s unprofiled; torch operators' self time: {ops}.")
    out.append("")
    out.append("Full cProfile and torch.profiler tables: `benchmarks/results/profiles/*.txt`.")
    return out


def _repo(state: dict[str, Any] | None) -> str:
    if not state:
        return "not recorded"
    return f"`{state.get('commit')}`" + (" + local engine changes" if state.get("engine_dirty")
                                         else "")


def markdown(res: Results, figure_ok: bool) -> str:
    doc = res.doc
    m = doc["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `benchmarks/report.py` from `benchmarks/results/latest.json`; do not "
        "edit by hand.",
        "",
        f"- Date (UTC): {doc['created']}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, "
        f"{m['platform']}, Python {m['python']}",
        f"- Repository at the run: {_repo(doc.get('repo'))}" + "".join(
            f"; earlier merged run ({old.get('created')}): {_repo(old.get('repo'))}"
            for old in doc.get("merged_from", [])),
        f"- Harness options: threads {doc['options']['threads']}, repeats "
        f"{doc['options'].get('repeats') or 'per config (3)'}, device "
        f"{doc['options']['device']}, timeout {doc['options']['timeout_s']:.0f} s, "
        f"memory cap {doc['options']['mem_cap_gb']:g} GB per run",
        "",
        "Commands:",
        "",
        "```bash",
        "make bench          # = .venv/bin/python -m benchmarks.harness --profile",
        "make bench-smoke    # = .venv/bin/python -m benchmarks.harness --smoke",
        f"{doc['command']}   # the run that produced this file",
    ]
    for old in doc.get("merged_from", []):
        lines.append(f"{old.get('command')}   # earlier run, {old.get('kept_entries')} entries "
                     f"kept ({old.get('created')})")
    lines += ["```", "", "Package versions (each backend in its own venv under `.bench/`):", ""]
    for backend, freeze in doc.get("packages", {}).items():
        keep = [p for p in freeze if p.split("==")[0].lower().replace("_", "-") in
                ("torch", "torchsom", "numpy", "minisom", "xpysom", "scikit-learn")
                or p.startswith("-e") or " @ " in p]
        keep = [p.replace(str(REPO), "<repo>") for p in keep]
        lines.append(f"- `{backend}`: " + ", ".join(f"`{p}`" for p in keep))
    lines += ["", "## Machine noise", "",
              "A fixed float32 1024×1024×1024 matmul (torch, median of 7) at the start and "
              "end of the run:", ""]
    lines += noise_lines(doc)
    lines += ["", "## Targets", "",
              "Ratios compare medians measured in this run at the same thread count.", ""]
    lines += _table(["target", "required", "measured", "verdict"],
                    [list(r) for r in targets(res)])
    if figure_ok:
        lines += ["", "## Time against problem size", "",
                  "![fit time against problem size](docs/benchmarks/time_vs_size.png)"]
    groups = [("tutorial", "Tutorial"), ("grid", "25×15 map"), ("bigmap", "90×70 map"),
              ("huge", "10⁶ samples"), ("smoke", "Smoke")]
    for group, title in groups:
        ids = [c["id"] for c in doc["configs"] if c["group"] == group]
        if not ids:
            continue
        lines += ["", f"## {title}", ""]
        for cid in ids:
            c = res.configs[cid]
            lines += [f"### `{cid}`: {c['n']}×{c['features']}, {c['x']}×{c['y']} map, "
                      f"{c['epochs']} epochs", ""]
            lines += config_table(res, cid)
            lines.append("")
    mem = memory_table(res)
    if mem:
        lines += ["", "## Memory scaling (1000×10, 1 epoch)", "",
                  "Peak RSS above the RSS after import (MB) / median fit time, 1 thread. Peak "
                  "RSS covers import, data, init and fit (VmHWM).", ""]
        lines += mem
    skipped = sorted({(e["variant"], e["reason"]) for e in doc["results"]
                      if e["status"] != "ok"})
    if skipped:
        lines += ["", "## Not measured", ""]
        for variant, reason in skipped:
            configs = sorted({e["config"] for e in doc["results"]
                              if e["variant"] == variant and e.get("reason") == reason})
            lines.append(f"- {variant} on {', '.join(configs)}: {reason}")
    if doc.get("bmu"):
        lines += ["", "## BMU search", "",
                  "`torchsom.functional.bmu.topk_bmus(data, codebook, euclidean_cross, k=2)`, "
                  "FLOPs counted as 2·n·N·F; a plain `addmm` of the same shape for reference.",
                  ""]
        rows = []
        for p in doc["bmu"]:
            for b in p["bmu"]:
                rows.append([str(p["threads"]), f"{b['n']}×{b['features']}", str(b["neurons"]),
                             f"{b['search_seconds'] * 1e3:.1f}", f"{b['search_gflops']:.1f}",
                             f"{b['same_shape_addmm_gflops']:.1f}",
                             f"{p['matmul']['gflops']:.1f}",
                             f"{b['search_gflops'] / p['matmul']['gflops']:.0%}"])
        lines += _table(["threads", "data", "units", "search (ms)", "search GFLOP/s",
                         "same-shape addmm GFLOP/s", "1024³ matmul GFLOP/s", "share"], rows)
    lines += ["", "## Where our fit time goes", ""] + profile_lines()
    lines += ["", "## Method", "",
              "- Every backend runs in its own subprocess and its own venv under `.bench/` "
              "(`benchmarks/envs.py`), one process per run, so peak RSS is per run.",
              "- Data: `make_blobs(n, F, centers=3, random_state=42)`, standardised, float32, "
              "written once to `.bench/data/*.npy` and loaded by every backend.",
              "- Phases timed separately with `time.perf_counter`: import, data (load + "
              "convert), init (construct + PCA init), fit. Tables show the fit median of "
              f"{doc['options'].get('repeats') or 3} runs.",
              "- Threads: `OMP_NUM_THREADS`, `MKL_NUM_THREADS`, `OPENBLAS_NUM_THREADS` and "
              "`torch.set_num_threads(k)`. MiniSom runs at 1 thread only: its training loops "
              "over single samples and uses no multi-threaded kernel.",
              "- Each (configuration, variant, threads) entry is one process: import and data "
              "once, then 3 runs of init + fit (a fresh map each). A run whose fit exceeds "
              f"{doc['options'].get('slow_threshold_s', 30):.0f} s is not repeated (the "
              "'runs' column).",
              "- RSS: VmRSS right after the import; a run's peak = the largest VmHWM of "
              "import + data, its init and its fit (VmHWM is reset between them through "
              "`/proc/self/clear_refs`). `ru_maxrss` is not used: Linux carries the parent's "
              "RSS into it across fork + exec. The driver also watches RSS and kills a run "
              "past the memory cap (recorded as OOM), and past the timeout.",
              "- Load: the machine is shared; the 1-minute load average around each entry is "
              "recorded. 2-thread runs suffer most when other work runs (a parallel region "
              "waits for its descheduled thread).",
              "- QE and TE come from the final weights through one implementation "
              "(`benchmarks/quality.py`): mean euclidean distance to the BMU; share of samples "
              "whose two best units are not among the 8 grid neighbours.",
              "- Tutorial quality target read as: QE within ±5 % of torchsom 1.3.1's and TE at "
              "most 0.01 (absolute) above it.",
              "", "## What the parameters mean per backend", ""]
    for backend, note in cfg.PARAMETER_NOTES.items():
        lines.append(f"- **{cfg.BACKENDS[backend].label}**: {note}")
    for v in cfg.VARIANTS.values():
        if v.note:
            lines.append(f"- `{v.name}`: {v.note}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else DEFAULT_RESULTS
    res = Results(json.loads(path.read_text()))
    ok = figure(res)
    MARKDOWN.write_text(markdown(res, ok))
    print(f"[report] wrote {MARKDOWN.relative_to(REPO)}"
          + (f" and {FIGURE.relative_to(REPO)}" if ok else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
