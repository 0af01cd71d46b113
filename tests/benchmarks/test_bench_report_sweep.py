"""benchmarks/report_sweep.py: per-point tables, the misses and why, the floor figure."""

from __future__ import annotations

from pathlib import Path

from bench_fakes import fake_doc, fake_sweep, legacy_point, ours_point

from benchmarks import report_sweep, sweep
from benchmarks.report_results import Results

POINTS = [sweep.SweepPoint("minibatch", 16, 4, 10, 10, 1024),
          sweep.SweepPoint("minibatch", 256, 1024, 50, 50, 2048),
          sweep.SweepPoint("batch", None, 4, 10, 10, 16384)]


def doc_with_a_miss() -> dict:
    doc = fake_doc()
    doc["sweep"] = fake_sweep(POINTS)
    doc["sweep"]["results"][0] = ours_point(POINTS[0], 100.0, 20.0)
    doc["sweep"]["results"][3] = legacy_point(POINTS[1], None, 5000.0)
    doc["profiles"] = {"sweep-mb16-f4-10x10": {
        "point": "mb16-f4-10x10", "rule": "minibatch", "fit_seconds_unprofiled": 0.1,
        "top_ops": [{"op": "aten::mm", "share": 0.4}, {"op": "aten::exp", "share": 0.2}],
        "top_functions": [{"function": "epoch (host_loop.py:10)", "share": 0.5}]}}
    return doc


def test_tables_have_a_row_per_point() -> None:
    res = Results(doc_with_a_miss())
    mb, batch = report_sweep.minibatch_table(res), report_sweep.batch_table(res)
    assert len(mb) == 2 + 2 and len(batch) == 2 + 1
    assert "| mb16-f4-10x10 | 4 | 10×10 | 16 | 1024 |" in mb[2]
    assert "did not finish in 30 s (≥ 5,000)" in mb[3] and "≥ 100×" in mb[3]
    assert "**miss**" in mb[2] and mb[3].endswith("| pass |")
    assert "| batch-f4-10x10 |" in batch[2] and "0.00" in batch[2]  # µs per sample


def test_misses_say_why_from_the_profile() -> None:
    (line,) = report_sweep.misses(Results(doc_with_a_miss()))
    assert line.startswith("- `mb16-f4-10x10`: step 100.0 µs > limit 60.0 µs")
    assert "`aten::mm` 40%" in line and "host_loop.py" in line
    doc = doc_with_a_miss()
    doc.pop("profiles")
    assert "no profile" in report_sweep.misses(Results(doc))[0]


def test_section_and_figure(tmp_path: Path) -> None:
    res = Results(doc_with_a_miss())
    lines = report_sweep.section(res, "fig.png")
    text = "\n".join(lines)
    assert "## Sweep: per-step time against the compute floor" in text
    assert "![step time against compute floor](fig.png)" in text
    assert "### Batch rule (per epoch)" in text and "supported on this CPU" in text
    assert "ours/f4: 90.0 → 88.0 GFLOP/s" in text
    assert report_sweep.figure(res, tmp_path / "f.png") and (tmp_path / "f.png").stat().st_size
    assert report_sweep.section(Results(fake_doc(with_sweep=False)), None) == []
