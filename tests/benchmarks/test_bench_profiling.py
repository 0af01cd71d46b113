"""benchmarks/profiling.py: which fits --profile profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_fakes import fake_sweep, legacy_point, ours_point

from benchmarks import profiling, sweep


@pytest.fixture(autouse=True)
def no_data(monkeypatch) -> None:
    monkeypatch.setattr(profiling, "data_path", lambda cache, n, f: cache / f"{n}x{f}.npy")


def test_target_cases() -> None:
    cases = profiling.target_cases(Path("/d"))
    assert [c["name"] for c in cases] == ["tutorial-mb16", "grid-16000x300-mb16",
                                          "grid-16000x300-mb256", "grid-16000x300-batch"]
    assert cases[0]["data_path"] == "/d/300x4.npy" and cases[0]["epochs"] == 100


def test_sweep_cases_are_the_worst_misses() -> None:
    points = [sweep.SweepPoint("minibatch", 16, f, 10, 10, 1024) for f in (4, 16, 64, 256)]
    section = fake_sweep(points)  # results alternate ours, torchsom131
    section["results"][0] = ours_point(points[0], 90.0, 20.0)     # 1.5× its 60 µs limit
    section["results"][2] = ours_point(points[1], 200.0, 20.0)    # 3.3× the limit
    section["results"][4] = ours_point(points[2], 50.0, 20.0, denormal=1.54)  # 1.4× of 1.1
    section["results"][7] = legacy_point(points[3], 150.0)        # only 3× torchsom 1.3.1
    cases = profiling.sweep_cases(section, Path("/d"), limit=3)
    assert [c["point"] for c in cases] == [points[1].id, points[3].id, points[0].id]
    assert cases[0]["name"] == f"sweep-{points[1].id}" and cases[0]["epochs"] == 11  # its E2
    assert cases[0]["data_path"] == "/d/1024x16.npy" and cases[0]["batch_size"] == 16
    assert len(profiling.sweep_cases(section, Path("/d"))) == 4


def test_miss_severity() -> None:
    assert profiling.miss_severity({"floor_ok": True, "denormal_ok": True,
                                    "legacy_ok": True}) == 0.0
    assert profiling.miss_severity({"floor_ok": False, "step_us": 120.0,
                                    "limit_us": 60.0}) == pytest.approx(2.0)


def test_profile_epochs_are_capped() -> None:
    assert profiling.profile_epochs(400, 64) == 32
    assert profiling.profile_epochs(3, 8) == 3 and profiling.profile_epochs(2, 1) == 2
