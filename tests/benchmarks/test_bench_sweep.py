"""benchmarks/sweep.py: the points, their sizing, and the per-step / floor arithmetic."""

from __future__ import annotations

import pytest
from bench_fakes import legacy_point, ours_point

from benchmarks import sweep
from benchmarks.sweep import SweepPoint


def test_the_sweep_covers_the_issue_grid() -> None:
    points = sweep.full_points()
    ids = [p.id for p in points]
    assert len(ids) == len(set(ids)) == 5 * 4 * 3
    mb = {(p.features, (p.x, p.y), p.batch_size) for p in points if p.rule == "minibatch"}
    assert mb == {(f, m, b) for f in (4, 16, 64, 256, 1024)
                  for m in ((10, 10), (18, 14), (25, 15), (50, 50)) for b in (16, 256)}
    batch = {(p.features, (p.x, p.y)) for p in points if p.rule == "batch"}
    assert batch == {(f, m) for f, m, _ in mb}
    assert "mb256-f1024-50x50" in ids and "batch-f4-10x10" in ids


def test_sizing_gives_enough_steps_and_keeps_the_heavy_point_small() -> None:
    for p in sweep.full_points():
        if p.rule == "minibatch":
            assert p.n % p.batch_size == 0
            assert 8 <= p.steps_per_epoch <= 64
        else:
            assert 1024 <= p.n <= 16384 and p.steps_per_epoch == 1
    heavy = {p.id: p for p in sweep.full_points()}["mb256-f1024-50x50"]
    # 8 steps of 2.6 GFLOP each: about a quarter of a second per epoch at ~80 GFLOP/s
    assert heavy.steps_per_epoch == 8 and heavy.n == 2048
    assert heavy.flops == 4 * 256 * 1024 * 2500
    light = {p.id: p for p in sweep.full_points()}["mb16-f4-10x10"]
    assert light.steps_per_epoch == 64


def test_point_spec_and_rows() -> None:
    p = SweepPoint("batch", None, 16, 18, 14, 4096)
    spec = p.spec()
    assert spec["id"] == "batch-f16-18x14" and spec["neurons"] == 252
    assert spec["rows"] == 4096 and spec["steps_per_epoch"] == 1
    q = SweepPoint("minibatch", 16, 16, 18, 14, 100)
    assert q.rows == 16 and q.steps_per_epoch == 7  # the last batch is short


def test_select_points() -> None:
    points = sweep.full_points()
    assert len(sweep.select_points(points, "mb16-*")) == 20
    chosen = sweep.select_points(points, "mb256-f1024-50x50, batch-f4-10x10")
    assert [p.id for p in chosen] == ["batch-f4-10x10", "mb256-f1024-50x50"]  # plan order
    assert sweep.select_points(points, None) == points
    assert sweep.smoke_points()[0].id == "mb16-f4-5x4"


def test_step_time_from_two_fits() -> None:
    # fixed setup 0.5 s, 100 µs per step, 8 steps per epoch: E1 = 1 and E2 = 11
    short, long = 0.5 + 8 * 1e-4, 0.5 + 11 * 8 * 1e-4
    assert sweep.step_seconds(short, long, 10, 8) == pytest.approx(1e-4)
    pairs = [(short, long), (short, long + 0.008), (short + 0.1, long + 0.1)]
    assert sweep.median_step_us(pairs, 10, 8) == pytest.approx(100.0)
    assert sweep.median_step_us([], 10, 8) is None
    with pytest.raises(ValueError, match="extra_epochs"):
        sweep.step_seconds(1.0, 2.0, 0, 8)


def test_floor_and_limit() -> None:
    assert sweep.floor_us(12.0, 8.0) == 20.0
    assert sweep.floor_limit_us(20.0) == pytest.approx(1.5 * 20 + 30)


def test_lower_bound_from_a_killed_fit() -> None:
    progress = {"point": "p", "point_started": 0.0, "fit_started": 100.0, "epochs": 3,
                "flush_denormal": False,
                "fits": [{"epochs": 1, "wall_s": 4.0, "flush_denormal": False}]}
    # 30 s into a 3-epoch fit, a 1-epoch fit took 4 s: 2 more epochs of 8 steps > 26 s
    bound, how = sweep.lower_bound_step_us(progress, 130.0, 8)
    assert how == "difference" and bound == pytest.approx(26.0 / 16 * 1e6)
    alone = {**progress, "fits": []}
    bound, how = sweep.lower_bound_step_us(alone, 130.0, 8)
    assert how == sweep.BOUND_UNFINISHED and bound == pytest.approx(30.0 / 24 * 1e6)
    early = sweep.lower_bound_step_us(progress, 103.0, 8)  # 3 s into it: no bound, estimate
    assert early == (pytest.approx(4.0 / 8 * 1e6), sweep.ESTIMATE_SHORTER)
    assert sweep.lower_bound_step_us({**progress, "fit_started": None}, 130.0, 8)[0] is None
    assert sweep.lower_bound_step_us(None, 130.0, 8)[0] is None


def test_lower_bound_on_the_cpu_clock() -> None:
    progress = {"point": "p", "point_started": 0.0, "fit_started": 100.0,
                "fit_started_cpu": 50.0, "epochs": 3, "flush_denormal": False,
                "fits": [{"epochs": 1, "wall_s": 4.0, "cpu_s": 2.0, "flush_denormal": False}]}
    # 30 s of wall clock but only 10 s of CPU into the 3-epoch fit (a busy machine)
    bound, how = sweep.lower_bound_step_us(progress, 130.0, 8, killed_cpu=60.0, clock="cpu")
    assert how == sweep.BOUND_DIFFERENCE and bound == pytest.approx(8.0 / 16 * 1e6)
    bound, how = sweep.lower_bound_step_us(progress, 130.0, 8, killed_cpu=None, clock="cpu")
    assert how == sweep.BOUND_DIFFERENCE + " (wall clock)"
    assert bound == pytest.approx(26.0 / 16 * 1e6)


MB = SweepPoint("minibatch", 16, 64, 25, 15, 1024)
BATCH = SweepPoint("batch", None, 64, 25, 15, 4096)


def test_assess_a_passing_point() -> None:
    v = sweep.assess(MB.spec(), ours_point(MB, 50.0, 20.0), legacy_point(MB, 1000.0))
    assert v["ok"] and v["floor_ok"] and v["legacy_ok"] and v["denormal_ok"]
    assert v["legacy_ratio"] == pytest.approx(20.0) and v["limit_us"] == pytest.approx(60.0)


@pytest.mark.parametrize("ours, legacy, failing", [
    (ours_point(MB, 61.0, 20.0), legacy_point(MB, 1000.0), "floor_ok"),
    (ours_point(MB, 50.0, 20.0), legacy_point(MB, 240.0), "legacy_ok"),
    (ours_point(MB, 50.0, 20.0, denormal=1.3), legacy_point(MB, 1000.0), "denormal_ok"),
])
def test_assess_flags_each_miss(ours, legacy, failing) -> None:
    v = sweep.assess(MB.spec(), ours, legacy)
    assert v[failing] is False and not v["ok"]


def test_assess_uses_a_lower_bound_for_a_point_that_did_not_finish() -> None:
    v = sweep.assess(MB.spec(), ours_point(MB, 50.0, 20.0), legacy_point(MB, None, 5000.0))
    assert v["legacy_bound"] and v["legacy_ratio"] == pytest.approx(100.0) and v["ok"]
    weak = sweep.assess(MB.spec(), ours_point(MB, 50.0, 20.0), legacy_point(MB, None, 100.0))
    assert weak["legacy_ok"] is None and not weak["ok"]  # a bound of 2× proves nothing
    estimated = legacy_point(MB, None, 5000.0)
    estimated["lower_bound_method"] = sweep.ESTIMATE_SHORTER
    v = sweep.assess(MB.spec(), ours_point(MB, 50.0, 20.0), estimated)
    assert v["legacy_bound"] and v["legacy_estimate"] and v["legacy_ok"]
    none = sweep.assess(MB.spec(), ours_point(MB, 50.0, 20.0), legacy_point(MB, None, None))
    assert none["legacy_ratio"] is None and any("did not finish" in n for n in none["notes"])


def test_assess_batch_rule_and_missing_results() -> None:
    v = sweep.assess(BATCH.spec(), ours_point(BATCH, 500.0, 400.0), None)
    assert v["ok"] and v["legacy_ok"] is None
    assert any("no batch rule" in n for n in v["notes"])
    unsupported = sweep.assess(BATCH.spec(), {**ours_point(BATCH, 500.0, 400.0, None),
                                              "denormal_note": "not supported"}, None)
    assert unsupported["denormal_ok"] is None and not unsupported["ok"]
    noisy = sweep.assess(MB.spec(), ours_point(MB, -3.0, 20.0), legacy_point(MB, 1000.0))
    assert noisy["floor_ok"] is None and noisy["legacy_ratio"] is None and not noisy["ok"]
    assert any("too noisy" in n for n in noisy["notes"])
    failed = sweep.assess(MB.spec(), {"point": MB.id, "status": "error", "reason": "boom"},
                          legacy_point(MB, 1000.0))
    assert failed["step_us"] is None and not failed["ok"] and "ours: boom" in failed["notes"]


def test_our_backend_gets_extra_rounds_except_in_a_single_round_run() -> None:
    assert sweep.rounds_of("ours", 3) == 3 + sweep.OURS_EXTRA_ROUNDS
    assert sweep.rounds_of("torchsom131", 3) == 3
    assert sweep.rounds_of("ours", 1) == 1  # --quick / --smoke
