"""benchmarks/report.py: the whole report, and BENCHMARKS.md from one complete run only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_fakes import CPU, fake_doc

from benchmarks import merging, report
from benchmarks.report_results import Results


@pytest.fixture()
def sandbox(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(report, "MARKDOWN", tmp_path / "BENCHMARKS.md")
    monkeypatch.setattr(report, "FIGURE", tmp_path / "docs" / "sweep.png")
    return tmp_path


def test_targets_table_comes_first_with_the_cpu() -> None:
    text = report.markdown(Results(fake_doc()), figure_name=None)
    order = [text.index(h) for h in ("# Benchmarks", "## Targets", "## Sweep", "## Tutorial",
                                     "## Machine", "## Method")]
    assert order == sorted(order)
    assert "| target | measured | pass/miss | CPU |" in text
    assert f"| {CPU} |" in text and "sse3" in text  # the model in every row, flags listed
    assert "| ours-mb16 |" in text and "timeout" in text


def test_complete_run_writes_benchmarks_md_and_the_figure(sandbox: Path) -> None:
    doc = fake_doc()
    written = report.write_for_run(doc, sandbox / "latest.json", complete=True)
    assert written == sandbox / "BENCHMARKS.md"
    text = written.read_text()
    assert text.startswith("# Benchmarks\n") and text.count("# the run that produced") == 1
    assert "docs/sweep.png" in text and (sandbox / "docs" / "sweep.png").exists()
    assert "Earlier run merged" not in text


def test_partial_run_writes_beside_its_json(sandbox: Path) -> None:
    doc = fake_doc(complete=False)
    written = report.write_for_run(doc, sandbox / "partial.json", complete=False)
    assert written == sandbox / "partial.md" and "partial run, not BENCHMARKS.md" in (
        written.read_text())
    assert not (sandbox / "BENCHMARKS.md").exists()


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(merged_from=[{"created": "x", "command": "y"}]), "merges several"),
    (lambda d: d["options"].update(complete=False), "selective"),
    (lambda d: d["options"].update(smoke=True), "smoke"),
])
def test_benchmarks_md_refuses_anything_but_one_complete_run(sandbox: Path, change,
                                                             message) -> None:
    doc = fake_doc()
    change(doc)
    with pytest.raises(report.NotOneRun, match=message):
        report.write(doc, sandbox / "BENCHMARKS.md", None, sandbox / "r.json")
    assert not (sandbox / "BENCHMARKS.md").exists()


def test_cli_refuses_a_merged_file_and_renders_it_elsewhere(sandbox: Path, capsys) -> None:
    doc = merging.merge(fake_doc(), fake_doc())
    path = sandbox / "merged.json"
    path.write_text(json.dumps(doc))
    assert report.main([str(path)]) == 2
    assert "complete run" in capsys.readouterr().err
    assert report.main([str(path), "--out", str(sandbox / "m.md")]) == 0
    assert "merged runs, not BENCHMARKS.md" in (sandbox / "m.md").read_text()
    assert not (sandbox / "BENCHMARKS.md").exists()


def test_cli_without_results(tmp_path: Path, capsys) -> None:
    assert report.main([str(tmp_path / "none.json")]) == 2
    assert "run `make bench` first" in capsys.readouterr().err


def test_committed_benchmarks_md_comes_from_one_run() -> None:
    """The file in the repository lists exactly one producing command and no merged run."""
    text = report.MARKDOWN.read_text()
    assert "earlier run" not in text.lower() and "merged in" not in text
    assert text.count("# the run that produced this file") <= 1
    if report.DEFAULT_RESULTS.exists():
        report.check_single_run(json.loads(report.DEFAULT_RESULTS.read_text()))
