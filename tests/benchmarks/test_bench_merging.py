"""benchmarks/merging.py: merged runs keep what was not redone, and stay out of BENCHMARKS.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_fakes import fake_doc, fake_entry, fake_sweep, legacy_point

from benchmarks import merging, report, schema, sweep


def test_merge_keeps_what_was_not_redone() -> None:
    old = fake_doc()
    new = fake_doc([fake_entry(fit=0.1)], with_sweep=False)
    new["configs"] = [c for c in new["configs"] if c["id"] == "tutorial"]
    merged = merging.merge(old, new)
    keys = [schema.entry_key(e) for e in merged["results"]]
    assert len(keys) == len(old["results"]) == len(set(keys))
    redone = next(e for e in merged["results"] if e["variant"] == "ours-mb16"
                  and e["config"] == "tutorial")
    assert redone["median"]["fit"] == pytest.approx(0.2)
    assert merged["merged_from"][0]["kept_entries"] == len(old["results"]) - 1
    assert merged["sweep"] == old["sweep"]  # the new run had no sweep
    assert schema.validate(merged) == []


def test_merge_sweep_replaces_redone_points_only() -> None:
    points = [sweep.SweepPoint("minibatch", 16, 4, 10, 10, 1024),
              sweep.SweepPoint("minibatch", 16, 8, 10, 10, 1024)]
    old = fake_sweep(points)
    new = fake_sweep(points[:1], legacy_us=999.0)
    merged = merging.merge_sweep(old, new)
    found = {(r["point"], r["backend"]): r for r in merged["results"]}
    assert len(found) == 4 and len(merged["points"]) == 2
    assert found[(points[0].id, "torchsom131")]["step_us"] == 999.0
    assert found[(points[1].id, "torchsom131")]["step_us"] == 2000.0
    assert merging.merge_sweep(None, new) is new and merging.merge_sweep(old, None) is old
    assert schema.validate_sweep(merged) == []
    timed_out = fake_sweep(points[1:])
    timed_out["results"][1] = legacy_point(points[1], None, 5000.0)
    assert merging.merge_sweep(old, timed_out)["results"][-1]["status"] == "timeout"


def test_merge_into_writes_beside_never_benchmarks_md(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(report, "MARKDOWN", tmp_path / "BENCHMARKS.md")
    path, md = tmp_path / "merged.json", tmp_path / "merged.md"
    merging.merge_into(fake_doc(), path, md)
    second = fake_doc([fake_entry(fit=0.1)], with_sweep=False)
    doc = merging.merge_into(second, path, md)
    assert json.loads(path.read_text())["merged_from"] == doc["merged_from"]
    text = md.read_text()
    assert "merged runs, not BENCHMARKS.md" in text and "Earlier run merged in" in text
    assert not (tmp_path / "BENCHMARKS.md").exists()
    with pytest.raises(report.NotOneRun, match="merges several runs"):
        report.write(doc, tmp_path / "BENCHMARKS.md", None, path)
