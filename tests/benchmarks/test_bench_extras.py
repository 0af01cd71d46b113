"""benchmarks/extras.py: the online and scale-out parts of a complete run, in the report."""

from __future__ import annotations

import pytest

from benchmarks import extras, harness, report, report_targets
from benchmarks.report_results import Results

pytest.importorskip("minisom")
from bench_fakes import fake_doc  # noqa: E402

ONLINE = {"shape": {"n": 300, "features": 5, "x": 4, "y": 3}, "steps": 300, "repeats": 3,
          "cpu": "Test CPU", "load_average": [0.5, 0.5, 0.5], "compiled": True,
          "median_wall_s": {"ours": 0.1, "minisom": 2.5},
          "median_user_s": {"ours": 0.1, "minisom": 2.4},
          "median_system_s": {"ours": 0.0, "minisom": 0.0},
          "faults_per_step": {"ours": 0.1, "minisom": 0.0},
          "quantization_error": {"ours": 1.0, "minisom": 1.01}, "ratio": 25.0, "target": 20.0}
SCALE = {"cpu": "Test CPU", "cores": 2, "torch": "2.13.0", "commands": {"all": "x"},
         "stream": {"rows": 10_000_000, "features": 50, "map": "25x15", "epochs": 2,
                    "file_gb": 2.0, "throughput_ratio": 0.95,
                    "runs": {m: {"fit_seconds": 30.0, "samples_per_second": 6e5,
                                 "peak_above_baseline_mb": 2100.0 if m == "memory" else 15.0,
                                 "baseline_rss_anon_mb": 150.0, "load_avg_before": 1.0,
                                 "load_avg_after": 1.0} for m in ("memory", "memmap")}},
         "ranks": [{"map": "25x15", "rows": 1_000_000, "features": 50, "epochs": 2,
                    "one_rank_seconds": 4.0, "two_rank_seconds": 2.5, "rank_seconds": [2.5, 2.4],
                    "speedup": 1.6, "max_weight_difference": 3e-5, "load_avg_before": 1.0,
                    "load_avg_after": 1.0}]}


def _doc():
    doc = fake_doc()
    doc["extras"] = {"online": {"status": "ok", "seconds": 10.0,
                                "command": "benchmarks.online_rule --out x", "result": ONLINE},
                     "scale": {"status": "ok", "seconds": 100.0, "command": "y",
                               "result": SCALE}}
    return doc


def test_targets_table_gets_one_row_per_extra_target():
    rows = report_targets.extras_rows(Results(_doc()))
    verdicts = {row[0].split(":")[0]: row[2] for row in rows}
    assert verdicts["Online rule 16000×300, 25×15 (1 thread) vs MiniSom train"] == "pass"
    assert verdicts["Streaming 10⁷×50 `.npy`"] == "pass"
    assert verdicts["2 ranks vs 1, batch rule 10⁶×50, 25x15"] == "**miss**"  # 1.6 < 1.7
    assert "25.0×" in rows[0][1] and "+15 MB" in rows[1][1]


def test_report_renders_the_extra_sections():
    text = report.markdown(Results(_doc()), None)
    assert "## Online rule against MiniSom's train" in text
    assert "compiled (numba)" in text and "| minisom | 2.500 |" in text
    assert "## Scale-out: streaming and data-parallel training" in text
    assert "| 25x15 | 4.0 | 2.5 (2.5 / 2.4) | 1.60× |" in text


def test_a_failed_part_is_recorded_and_shown(tmp_path, monkeypatch):
    missing = ("benchmarks.no_such_module", [], "missing", ".json")
    monkeypatch.setitem(extras.PARTS, "online", missing)
    found = extras.run_extras(["online"], tmp_path)
    assert found["online"]["status"] == "error" and "no_such_module" in found["online"]["reason"]
    lines = extras.section(found)
    assert any(line.startswith("Not measured:") for line in lines)
    doc = fake_doc()
    doc["extras"] = found
    rows = report_targets.extras_rows(Results(doc))
    assert rows[0][1] == "not measured (error)" and rows[0][2] == "–"


def test_online_part_runs_and_returns_its_json(tmp_path, monkeypatch):
    tiny = ["--n", "120", "--features", "4", "--x", "3", "--y", "3", "--repeats", "1"]
    part = ("benchmarks.online_rule", tiny, "online_rule", ".json")
    monkeypatch.setitem(extras.PARTS, "online", part)
    found = extras.run_extras(["online"], tmp_path)["online"]
    assert found["status"] == "ok", found.get("reason")
    assert found["result"]["shape"] == {"n": 120, "features": 4, "x": 3, "y": 3}
    assert (tmp_path / "online_rule.json").exists()


def test_harness_selects_extras_only_in_complete_or_extras_runs():
    args = harness.parse_args(["--part", "extras"])
    assert harness.plan(args) == [] and harness.plan_sweep(args) == []
    assert not args.complete  # a partial run: never BENCHMARKS.md
    assert extras.section(None) == []
