"""Read access to one results document, for the report's section builders."""

from __future__ import annotations

from typing import Any

from benchmarks import sweep


class Results:
    """Lookups into a results document (``benchmarks/schema.py``)."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self.by_key = {(e["config"], e["variant"], int(e["threads"])): e for e in doc["results"]}
        self.configs = {c["id"]: c for c in doc["configs"]}
        section = doc.get("sweep") or {}
        self.points = list(section.get("points", []))
        self.sweep_results = {(r["point"], r["backend"]): r for r in section.get("results", [])}

    @property
    def cpu(self) -> str:
        """The CPU model the run measured."""
        return self.doc["machine"]["cpu"]

    def get(self, config: str, variant: str, threads: int) -> dict[str, Any] | None:
        return self.by_key.get((config, variant, threads))

    def fit(self, config: str, variant: str, threads: int) -> float | None:
        """Median fit time of an entry that ran ("ok"), else None."""
        e = self.get(config, variant, threads)
        if e is None or e["status"] != "ok":
            return None
        return e["median"]["fit"]

    def threads(self) -> list[int]:
        return sorted({int(e["threads"]) for e in self.doc["results"]})

    def sweep_result(self, point: str, backend: str) -> dict[str, Any] | None:
        return self.sweep_results.get((point, backend))

    def verdicts(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``(point, assessment)`` for every sweep point, in plan order."""
        return [(p, sweep.assess(p, self.sweep_result(p["id"], "ours"),
                                 self.sweep_result(p["id"], "torchsom131")))
                for p in self.points]

    def profile_of(self, point: str) -> dict[str, Any] | None:
        """The profile summary of a sweep point, when this run profiled it."""
        for summary in (self.doc.get("profiles") or {}).values():
            if summary.get("point") == point:
                return summary
        return None
