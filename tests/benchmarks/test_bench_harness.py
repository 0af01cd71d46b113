"""benchmarks/harness.py: the CLI, what a run selects, where it writes, smoke verdicts."""

from __future__ import annotations

import pytest
from bench_fakes import fake_doc

from benchmarks import configs as cfg
from benchmarks import harness, sweep


def test_help_says_how_to_run_each_part(capsys) -> None:
    with pytest.raises(SystemExit):
        harness.parse_args(["--help"])
    text = capsys.readouterr().out
    for words in ("--part targets", "--part sweep", "everything", "--points", "--smoke",
                  "BENCHMARKS.md", "merged.json"):
        assert words in text


def test_a_plain_run_is_complete_and_measures_everything() -> None:
    args = harness.parse_args([])
    assert args.complete and args.out == harness.DEFAULT_OUT and args.thread_list == [1, 2]
    assert len(harness.plan(args)) == len(cfg.full_configs())
    assert len(harness.plan_sweep(args)) == len(sweep.full_points()) == 60
    assert args.sweep_rounds == 3 and args.point_cap == 30.0


@pytest.mark.parametrize("argv, configs, points", [
    (["--part", "targets"], len(cfg.full_configs()), 0),
    (["--part", "sweep"], 0, 60),
    (["--part", "sweep", "--points", "mb16-f1024-*"], 0, 4),
    (["--points", "batch-*"], 0, 20),
    (["--only", "tutorial"], 1, 0),
    (["--only", "tutorial", "--points", "batch-f4-10x10"], 1, 1),
])
def test_selection(argv, configs, points) -> None:
    args = harness.parse_args(argv)
    assert len(harness.plan(args)) == configs and len(harness.plan_sweep(args)) == points
    assert not args.complete or argv == ["--part", "all"]
    assert args.out.name == "partial.json"


def test_smoke_plans_one_config_every_variant_and_one_point() -> None:
    args = harness.parse_args(["--smoke"])
    assert args.thread_list == [1] and args.out.name == "smoke.json" and not args.complete
    (conf, variants), = harness.plan(args)
    assert conf.id == "smoke" and len(variants) == len(cfg.VARIANTS)
    (point,) = harness.plan_sweep(args)
    assert point.id == "mb16-f4-5x4" and args.sweep_rounds == 1


def test_variant_filter() -> None:
    args = harness.parse_args(["--only", "grid-16000x300", "--variants", "ours-*", "--quick"])
    assert args.repeats == 1 and args.sweep_rounds == 1
    (conf, variants), = harness.plan(args)
    assert [v.name for v in variants] == ["ours-mb16", "ours-mb256", "ours-batch",
                                          "ours-kohonen"]


def test_smoke_problems() -> None:
    doc = fake_doc()
    timed_out = doc["results"].pop(2)
    assert harness.smoke_problems(doc) == []
    doc["sweep"]["results"][0]["floor"] = None
    doc["results"].append(timed_out)
    problems = harness.smoke_problems(doc)
    assert any("no compute floor" in p for p in problems)
    assert any("minisom-online" in p for p in problems)
    assert "the sweep did not run" in harness.smoke_problems(fake_doc(with_sweep=False))


def test_nothing_selected(capsys) -> None:
    assert harness.main(["--only", "no-such-config"]) == 2
    assert "nothing selected" in capsys.readouterr().out


def test_a_sweep_only_run_end_to_end_without_venvs(tmp_path, monkeypatch) -> None:
    """main(): plan, (fake) runners, document, report beside it, merge: never BENCHMARKS.md."""
    import json
    import sys

    from bench_fakes import FAKE_RUNNER

    from benchmarks import merging, probes, report, schema, sweep_run

    runners = tmp_path / "runners"
    runners.mkdir()
    for name in ("run_ours.py", "run_torchsom131.py"):
        (runners / name).write_text(FAKE_RUNNER)
    monkeypatch.setattr(sweep_run, "RUNNERS", runners)
    monkeypatch.setattr(harness, "ensure_envs", lambda names, *a, **k: {
        n: sys.executable for n in names})
    monkeypatch.setattr(probes, "micro_probe", lambda *a, **k: None)
    monkeypatch.setattr(report, "MARKDOWN", tmp_path / "BENCHMARKS.md")
    monkeypatch.setattr(merging, "MERGED_JSON", tmp_path / "merged.json")
    monkeypatch.setattr(merging, "MERGED_MD", tmp_path / "merged.md")
    out = tmp_path / "run.json"
    code = harness.main(["--part", "sweep", "--points", "mb16-f4-10x10", "--bench-dir",
                         str(tmp_path / "bench"), "--out", str(out), "--merge"])
    assert code == 0
    doc = json.loads(out.read_text())
    assert schema.validate(doc) == [] and not doc["options"]["complete"]
    assert {(r["point"], r["backend"]) for r in doc["sweep"]["results"]} == {
        ("mb16-f4-10x10", "ours"), ("mb16-f4-10x10", "torchsom131")}
    assert doc["results"] == [] and doc["machine"]["cpu_flags"] is not None
    assert "partial run, not BENCHMARKS.md" in (tmp_path / "run.md").read_text()
    assert (tmp_path / "merged.json").exists() and (tmp_path / "merged.md").exists()
    assert not (tmp_path / "BENCHMARKS.md").exists()
