"""benchmarks/sweep_run.py: runner processes, the per-point cap, restarts, the section."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest
from bench_fakes import FAKE_RUNNER

from benchmarks import schema, sweep, sweep_run


def args_for(tmp_path: Path, cap: float = 1.5) -> argparse.Namespace:
    return argparse.Namespace(bench_dir=tmp_path, point_cap=cap, timeout=60.0, mem_cap_gb=4.0,
                              device="cpu", sweep_rounds=1, sweep_target_s=0.01,
                              sweep_clock="cpu")


@pytest.fixture()
def fake_runners(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "runners"
    folder.mkdir()
    for name in ("run_ours.py", "run_torchsom131.py"):
        (folder / name).write_text(FAKE_RUNNER)
    monkeypatch.setattr(sweep_run, "RUNNERS", folder)
    return folder


def specs(*features: int) -> list[dict]:
    return [sweep.SweepPoint("minibatch", 16, f, 3, 2, 64).spec() for f in features]


def test_a_point_past_its_cap_is_cut_and_the_next_one_runs(tmp_path, fake_runners) -> None:
    points = specs(4, 999, 8)
    results, processes = sweep_run.run_backend(Path(sys.executable), "torchsom131", points,
                                               "t", args_for(tmp_path))
    assert [(r["point"], r["status"]) for r in results] == [
        (points[0]["id"], "ok"), (points[1]["id"], "timeout"), (points[2]["id"], "ok")]
    cut = results[1]
    assert cut["reason"] == "did not finish in 1.5 s"
    assert cut["lower_bound_method"] == "difference"
    # CPU seconds spent in the killed 3-epoch fit, over the 2 × 4 steps it had beyond the
    # finished 1-epoch fit (which took no CPU time here): a positive bound on the CPU clock
    assert 0 < cut["lower_bound_step_us"] <= 1.5 / 8 * 1e6 * 1.2
    assert len(processes) == 2 and processes[0]["verdict"] == "point-timeout"
    assert processes[1]["ok"] and all(r["backend"] == "torchsom131" for r in results)


def test_our_runner_gets_a_wider_cap_than_the_compared_one(tmp_path) -> None:
    args = args_for(tmp_path, cap=30.0)
    assert sweep_run.point_cap("torchsom131", args) == 30.0
    assert sweep_run.point_cap("ours", args) == 120.0
    assert sweep_run.point_cap("ours", args_for(tmp_path, cap=60.0)) == 240.0


def test_a_runner_that_cannot_start_fails_every_point(tmp_path, fake_runners,
                                                      monkeypatch) -> None:
    monkeypatch.setenv("FAKE_CRASH", "1")
    results, _ = sweep_run.run_backend(Path(sys.executable), "ours", specs(4, 8), "t",
                                       args_for(tmp_path))
    assert [r["status"] for r in results] == ["error", "error"]
    assert "cannot import" in results[0]["reason"]


def test_run_sweep_interleaves_backends_and_gives_a_valid_section(tmp_path, fake_runners,
                                                                 monkeypatch) -> None:
    monkeypatch.setattr(sweep_run, "data_path", lambda cache, n, f: cache / f"{n}x{f}.npy")
    points = [sweep.SweepPoint("minibatch", 16, 4, 3, 2, 64),
              sweep.SweepPoint("batch", None, 4, 3, 2, 64),
              sweep.SweepPoint("minibatch", 16, 8, 3, 2, 64)]
    pythons = {"ours": Path(sys.executable), "torchsom131": Path(sys.executable)}
    section = sweep_run.run_sweep(points, pythons, args_for(tmp_path))
    order = [(p["backend"], p["tag"]) for p in section["processes"]]
    assert order == [("ours", "f4"), ("torchsom131", "f4"), ("ours", "f8"),
                     ("torchsom131", "f8")]
    done = {(r["point"], r["backend"]) for r in section["results"]}
    assert ("batch-f4-3x2", "torchsom131") not in done  # it has no batch rule
    assert ("batch-f4-3x2", "ours") in done and len(done) == 5
    assert section["options"]["point_cap_s"] == 1.5
    assert all("data_path" not in p for p in section["points"])
    assert schema.validate_sweep(section) == []


def test_sweep_job_asks_our_runner_for_the_floor_and_both_flush_modes(tmp_path) -> None:
    args = args_for(tmp_path)
    ours = sweep_run.sweep_job("ours", specs(4), tmp_path, args)
    legacy = sweep_run.sweep_job("torchsom131", specs(4), tmp_path, args)
    assert ours["kind"] == "sweep" and ours["threads"] == 1
    assert ours["floor"] and ours["flush_modes"] == [False, True]
    assert not legacy["floor"] and legacy["flush_modes"] == [False]
    assert ours["point_budget_s"] == args.point_cap


def test_read_lines_drops_a_cut_last_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"point": "a"}) + "\n" + '{"point": "b", "sta')
    assert sweep_run.read_lines(path) == [{"point": "a"}]
    assert sweep_run.read_lines(tmp_path / "none.jsonl") == []
