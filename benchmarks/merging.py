"""Merge several runs into one document, kept apart from ``BENCHMARKS.md``.

``BENCHMARKS.md`` always comes from one run. ``python -m benchmarks.harness ... --merge``
folds the run into ``benchmarks/results/merged.json`` (entries and sweep results the run
did not redo are kept from earlier runs) and renders ``benchmarks/results/merged.md``,
whose header lists every run that contributed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks import configs as cfg
from benchmarks import schema
from benchmarks.supervise import REPO

MERGED_JSON = REPO / "benchmarks" / "results" / "merged.json"
MERGED_MD = REPO / "benchmarks" / "results" / "merged.md"


def _sweep_key(result: dict[str, Any]) -> tuple[str, str]:
    return result["point"], result["backend"]


def merge_sweep(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    """The sweep section of ``new`` plus the point results of ``old`` it does not redo."""
    if not old:
        return new
    if not new:
        return old
    redone = {_sweep_key(r) for r in new["results"]}
    kept = [r for r in old["results"] if _sweep_key(r) not in redone]
    ids = {p["id"] for p in new["points"]}
    points = [p for p in old["points"] if p["id"] not in ids] + new["points"]
    return {**new, "points": points, "results": kept + new["results"],
            "processes": old.get("processes", []) + new.get("processes", [])}


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with the entries, configs and sweep results of ``old`` that ``new`` does not redo.

    The machine probes of ``new`` are kept; the earlier run's are summarised under
    ``merged_from``.
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
    merged = {**new, "configs": configs, "results": results, "packages": packages,
              "bmu": bmu, "imports": imports, "merged_from": history}
    sweep = merge_sweep(old.get("sweep"), new.get("sweep"))
    if sweep is not None:
        merged["sweep"] = sweep
    return merged


def merge_into(new: dict[str, Any], path: Path | None = None,
               markdown: Path | None = None) -> dict[str, Any]:
    """Fold ``new`` into the merged results file at ``path`` and render ``markdown``
    (default :data:`MERGED_JSON` and :data:`MERGED_MD`)."""
    from benchmarks import report

    path = MERGED_JSON if path is None else path
    markdown = MERGED_MD if markdown is None else markdown
    doc = merge(json.loads(path.read_text()), new) if path.exists() else new
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(path)
    report.write(doc, markdown, figure_path=None, source=path)
    return doc
