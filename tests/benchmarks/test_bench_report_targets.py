"""benchmarks/report_targets.py: the headline targets table and the further checks."""

from __future__ import annotations

from bench_fakes import CPU, fake_doc, fake_entry, fake_sweep, legacy_point, ours_point

from benchmarks import report_targets, sweep
from benchmarks.report_results import Results


def rows_of(doc) -> dict[str, tuple[str, str, str, str]]:
    return {r[0].split(":")[0].split(" (")[0]: r for r in report_targets.headline(Results(doc))}


def test_every_headline_row_has_target_measured_verdict_and_cpu() -> None:
    rows = report_targets.headline(Results(fake_doc()))
    assert len(rows) == 6
    for target, measured, ok, cpu in rows:
        assert target and measured and cpu == CPU
        assert ok == "pass", (target, measured)


def test_tutorial_and_big_speed_ratios() -> None:
    rows = report_targets.headline(Results(fake_doc()))
    assert "40.0×" in rows[0][1] and "≥ 20×" in rows[0][0]
    assert "13.0×" in rows[1][1] and "≥ 10×" in rows[1][0]
    slow = fake_doc()
    slow["results"][4] = fake_entry("grid-16000x300", "torchsom131-mb16", fit=5.0)
    assert report_targets.headline(Results(slow))[1][2] == "**miss**"


def test_kohonen_row_needs_speed_and_both_errors() -> None:
    doc = fake_doc()
    assert "2.0×" in report_targets.kohonen_row(Results(doc))[1]
    worse_te = fake_doc()
    worse_te["results"][5] = fake_entry("grid-16000x300", "ours-kohonen", fit=0.25, qe=0.50,
                                        te=0.03)
    assert report_targets.kohonen_row(Results(worse_te))[2] == "**miss**"
    missing = fake_doc(entries=[fake_entry()])
    row = report_targets.kohonen_row(Results(missing))
    assert row[2] == "–" and "not run" in row[1]


def test_sweep_rows_report_the_worst_point_and_misses() -> None:
    points = [sweep.SweepPoint("minibatch", 16, 4, 10, 10, 1024),
              sweep.SweepPoint("minibatch", 256, 1024, 50, 50, 2048),
              sweep.SweepPoint("batch", None, 4, 10, 10, 16384)]
    section = fake_sweep(points)
    section["results"][0] = ours_point(points[0], 100.0, 20.0, denormal=1.4)  # limit 60 µs
    section["results"][3] = legacy_point(points[1], None, 5000.0)  # did not finish: ≥ 100×
    doc = fake_doc()
    doc["sweep"] = section
    legacy, floor, denormal = report_targets.headline(Results(doc))[3:]
    assert legacy[2] == "pass" and "1 did not finish in 30 s (lowest 100×)" in legacy[1]
    assert floor[2] == "**miss**" and "worst mb16-f4-10x10" in floor[1]
    assert "misses: mb16-f4-10x10" in floor[1] and "2 of 3 points within" in floor[1]
    assert denormal[2] == "**miss**" and "max 1.40× (mb16-f4-10x10)" in denormal[1]


def test_sweep_rows_without_a_sweep() -> None:
    rows = report_targets.headline(Results(fake_doc(with_sweep=False)))
    assert all(r[1] == "sweep not run" and r[2] == "–" for r in rows[3:])


def test_legacy_row_below_target() -> None:
    point = sweep.SweepPoint("minibatch", 16, 4, 10, 10, 1024)
    doc = fake_doc()
    doc["sweep"] = fake_sweep([point], legacy_us=200.0)  # 4× only
    row = report_targets.legacy_sweep_row(Results(doc))
    assert row[2] == "**miss**" and "below target: mb16-f4-10x10" in row[1]


def test_further_checks_cover_two_threads_and_tutorial_quality() -> None:
    doc = fake_doc()
    doc["results"] += [fake_entry(threads=2), fake_entry(variant="torchsom131-mb16", threads=2,
                                                         fit=3.0)]
    rows = {r[0]: r for r in report_targets.further(Results(doc))}
    assert rows["Tutorial fit, b=16 (2 threads)"][3] == "**miss**"  # 6× < 20×
    assert rows["Tutorial QE/TE vs torchsom 1.3.1 (1t)"][3] == "pass"


def test_import_rows_come_from_the_import_probe() -> None:
    doc = fake_doc()
    doc["imports"] = {
        "ours": {"start_mb": 12, "import_mb": 16, "engine_mb": 225, "torch_only_mb": 224,
                 "modules_after_import": [], "modules_after_engine": ["torch", "numpy"],
                 "runs": 3},
        "torchsom131": {"start_mb": 11, "import_mb": 345, "engine_mb": 345,
                        "torch_only_mb": 224, "modules_after_import": ["matplotlib"],
                        "modules_after_engine": ["matplotlib"], "runs": 3},
    }
    rows = {r[0]: r for r in report_targets.further(Results(doc))}
    rss = rows["`import torchsom`: RSS (fresh process, median)"]
    assert rss[3] == "pass" and "16 MB" in rss[2] and "345 MB" in rss[2]
    assert rows["`import torchsom`: matplotlib not loaded"][3] == "pass"
