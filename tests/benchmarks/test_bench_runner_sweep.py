"""benchmarks/runners/_sweep.py: per-step timing, the floor, flush-denormal, progress."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks import sweep
from benchmarks.sweep_run import RUNNERS


def load_runner(name: str):
    sys.path.insert(0, str(RUNNERS))
    try:
        spec = importlib.util.spec_from_file_location(name, RUNNERS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(RUNNERS))
    return module


class FlushTorch:
    """torch, except that ``set_flush_denormal`` only records the mode."""

    def __init__(self) -> None:
        self.flush = False
        self.calls: list[bool] = []

    def set_flush_denormal(self, on: bool) -> bool:
        self.flush = bool(on)
        self.calls.append(self.flush)
        return True

    def __getattr__(self, name):
        return getattr(torch, name)


class FakeClock:
    """Stands in for the runner's ``time`` module: a fit advances it by a known amount."""

    def __init__(self) -> None:
        self.wall = self.cpu = 1000.0

    def perf_counter(self) -> float:
        return self.wall

    def time(self) -> float:
        return self.wall

    def process_time(self) -> float:
        return self.cpu

    def work(self, seconds: float, cpu_share: float = 0.5) -> None:
        self.wall += seconds
        self.cpu += seconds * cpu_share


class SleepyBackend:
    """A fit takes 1 ms per step (0.5 ms with flush-denormal on) after 5 ms of setup, half
    of it on the CPU."""

    torch_ = None
    clock: FakeClock | None = None

    @staticmethod
    def load_data(lib, job, array):
        return array

    @staticmethod
    def build(lib, job, data):
        return {"epochs": job["epochs"]}

    @classmethod
    def fit(cls, lib, job, som, data):
        per_step = 0.5e-3 if cls.torch_.flush else 1e-3
        cls.clock.work(0.005 + som["epochs"] * job["steps_per_epoch"] * per_step)


def test_point_timing_cancels_setup_and_sees_flush_denormal(tmp_path: Path,
                                                            monkeypatch) -> None:
    fake = FlushTorch()
    SleepyBackend.torch_ = fake
    SleepyBackend.clock = FakeClock()
    data = tmp_path / "d.npy"
    np.save(data, np.zeros((16, 4), np.float32))
    point = {**sweep.SweepPoint("minibatch", 4, 4, 3, 2, 16).spec(), "data_path": str(data)}
    job = {"rounds": 2, "target_s": 0.06, "flush_modes": [False, True], "floor": True,
           "point_budget_s": 60.0, "clock": "wall"}
    sweeper = load_runner("_sweep")
    monkeypatch.setattr(sweeper, "time", SleepyBackend.clock)
    monkeypatch.setattr(sweeper, "floor_products", lambda *a, **k: {"us": 1.0})
    progress = sweeper.Progress(str(tmp_path / "progress.json"))
    out = sweeper.run_point(SleepyBackend, None, fake, job, point, progress, supported=True)
    assert out["status"] == "ok" and out["steps_per_epoch"] == 4 and out["e1"] == 1
    # calibration: 1 epoch, then 1 + 1 (4 ms more), 1 + 4 (16 ms ≥ 60 ms / 4): 4 ms an epoch
    assert out["epoch_s"] == pytest.approx(0.004)
    assert [f["epochs"] for f in out["calibration"]] == [1, 2, 5]
    assert out["extra_epochs"] == 15 and len(out["rounds"]) == 2  # 15 × 4 ms = 60 ms
    assert out["step_us"] == out["step_wall_us"] == pytest.approx(1000.0)
    assert out["step_us_ftz"] == pytest.approx(500.0)
    assert out["step_cpu_us"] == pytest.approx(500.0) and out["clock"] == "wall"
    assert out["denormal_ratio"] == pytest.approx(2.0)
    assert True in fake.calls and fake.calls[-1] is False  # left off after the point
    assert out["floor"] == {"us": 1.0}
    record = json.loads((tmp_path / "progress.json").read_text())
    assert record["point"] == point["id"]
    assert len(record["fits"]) == len(out["calibration"]) + 2 * 2 * 2  # rounds × modes × 2


def test_round_budget_and_clock_choice(tmp_path: Path, monkeypatch) -> None:
    fake = FlushTorch()
    SleepyBackend.torch_, SleepyBackend.clock = fake, FakeClock()
    data = tmp_path / "d.npy"
    np.save(data, np.zeros((16, 4), np.float32))
    point = {**sweep.SweepPoint("minibatch", 4, 4, 3, 2, 16).spec(), "data_path": str(data)}
    job = {"rounds": 5, "target_s": 0.06, "flush_modes": [False], "floor": False,
           "point_budget_s": 0.3, "clock": "cpu"}
    sweeper = load_runner("_sweep")
    monkeypatch.setattr(sweeper, "time", SleepyBackend.clock)
    out = sweeper.run_point(SleepyBackend, None, fake, job, point,
                            sweeper.Progress(str(tmp_path / "p.json")), supported=True)
    # a round (two fits, ~80 ms) no longer fits in 80 % of the 0.3 s budget after a few
    assert 1 <= len(out["rounds"]) < 5
    assert out["step_us"] == out["step_cpu_us"] == pytest.approx(500.0)


def test_unsupported_flush_measures_one_mode(tmp_path: Path, monkeypatch) -> None:
    fake = FlushTorch()
    SleepyBackend.torch_, SleepyBackend.clock = fake, FakeClock()
    data = tmp_path / "d.npy"
    np.save(data, np.zeros((8, 4), np.float32))
    point = {**sweep.SweepPoint("batch", None, 4, 3, 2, 8).spec(), "data_path": str(data)}
    job = {"rounds": 1, "target_s": 0.02, "flush_modes": [False, True], "floor": False}
    sweeper = load_runner("_sweep")
    monkeypatch.setattr(sweeper, "time", SleepyBackend.clock)
    out = sweeper.run_point(SleepyBackend, None, fake, job, point,
                            sweeper.Progress(str(tmp_path / "p.json")), supported=False)
    assert out["denormal_ratio"] is None and "not supported" in out["denormal_note"]
    assert out["step_us_ftz"] is None and "floor" not in out and True not in fake.calls


def test_extra_epochs_respects_target_and_budget() -> None:
    sweeper = load_runner("_sweep")
    assert sweeper.extra_epochs(0.01, 0.25, 100.0, 2, 400) == 25
    assert sweeper.extra_epochs(1e-5, 0.25, 100.0, 2, 400) == 400
    # 2 s per epoch with 20 s left and 2 modes: a round must stay within 80 % of it
    assert sweeper.extra_epochs(2.0, 0.25, 20.0, 2, 400) == 1
    assert sweeper.extra_epochs(0.1, 10.0, 20.0, 2, 400) == 78


def test_calibrate_removes_the_setup_and_stops_early() -> None:
    sweeper = load_runner("_sweep")
    calls = []

    def fit(epochs):  # 50 ms of setup, 2 ms per epoch
        calls.append(epochs)
        return 0.05 + 0.002 * epochs

    epoch_s, fits = sweeper.calibrate(fit, target_s=0.1, budget_s=1000.0, max_extra=400)
    assert epoch_s == pytest.approx(0.002) and calls == [1, 2, 5, 17]  # 16 × 2 ms ≥ 25 ms
    assert [f["epochs"] for f in fits] == calls
    calls.clear()
    epoch_s, _ = sweeper.calibrate(fit, target_s=0.1, budget_s=0.1, max_extra=400)
    assert calls == [1] and epoch_s == pytest.approx(0.052)  # no budget: setup kept in


def test_floor_takes_the_faster_layout_and_blocking() -> None:
    sweeper = load_runner("_sweep")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        mb = sweeper.floor_products(torch, 16, 8, 30)
        batch = sweeper.floor_products(torch, 1024, 8, 30, chunks=(256, 4096))
    finally:
        torch.set_num_threads(threads)
    assert mb["chunk"] == 16 and mb["us"] == pytest.approx(mb["search_us"] + mb["update_us"])
    assert mb["search_layout"] in ("rows @ bookT", "book @ rowsT")
    assert mb["update_layout"] in ("rowsT @ weights", "weightsT @ rows")
    assert batch["chunk"] in (256, 1024)  # 4096 is more than the rows
    flops = 2 * 1024 * 8 * 30
    assert batch["search_gflops"] == pytest.approx(flops / batch["search_us"] / 1e3)


def test_median_call_us_measures_a_known_cost() -> None:
    sweeper = load_runner("_sweep")
    def spin() -> None:  # 2 ms of CPU time (the CPU clock ignores a busy machine)
        start = time.process_time()
        while time.process_time() - start < 0.002:
            pass

    us = sweeper.median_call_us(spin, samples=5, sample_s=0.004, clock=time.process_time)
    assert 2000 <= us <= 3000


def test_sweep_main_with_our_runner(tmp_path: Path) -> None:
    """Our real runner module through the sweep protocol; a broken point does not stop it."""
    runner = load_runner("run_ours")
    data = tmp_path / "d.npy"
    rng = np.random.default_rng(0)
    np.save(data, rng.normal(size=(64, 4)).astype(np.float32))
    good = {**sweep.SweepPoint("minibatch", 16, 4, 3, 2, 64).spec(), "data_path": str(data)}
    bad = {**sweep.SweepPoint("batch", None, 4, 3, 2, 64).spec(),
           "data_path": str(tmp_path / "missing.npy")}
    job = {"kind": "sweep", "backend": "ours", "threads": 1, "device": "cpu", "sigma": 1.45,
           "learning_rate": 0.95, "constant_lr": False, "seed": 42, "points": [bad, good],
           "rounds": 1, "target_s": 0.01, "max_extra_epochs": 5, "point_budget_s": 60,
           "flush_modes": [False, True], "floor": True, "clock": "cpu",
           "out_dir": str(tmp_path / "out")}
    threads = torch.get_num_threads()
    try:
        sweeper = load_runner("_sweep")
        assert sweeper.main(runner, job) == 0
    finally:
        torch.set_num_threads(threads)
        torch.set_flush_denormal(False)
    lines = [json.loads(x) for x in (tmp_path / "out" / "sweep.jsonl").read_text().splitlines()]
    assert [x["point"] for x in lines] == [bad["id"], good["id"]]
    assert lines[0]["status"] == "error" and "missing.npy" in lines[0]["reason"]
    ok = lines[1]
    assert ok["status"] == "ok" and ok["step_us"] == ok["step_cpu_us"] and ok["floor"]["us"] > 0
    assert ok["clock"] == "cpu" and ok["step_wall_us"] is not None
    assert isinstance(ok["flush_denormal_supported"], bool)
    if ok["flush_denormal_supported"] and ok["denormal_ratio"] is None:  # a busy machine
        assert "too noisy" in ok["denormal_note"]
    else:
        assert (ok["denormal_ratio"] is not None) == ok["flush_denormal_supported"]
    process = json.loads((tmp_path / "out" / "sweep-process.json").read_text())
    assert process["ok"] and process["threads_seen"] == 1
    assert process["matmul_gflops_start"] > 0 and process["matmul_gflops_end"] > 0
    assert json.loads((tmp_path / "out" / "progress.json").read_text())["point"] is None


def test_denormal_ratio_pairs_each_rounds_two_modes() -> None:
    sweeper = load_runner("_sweep")

    def round_of(plain_s: float, ftz_s: float) -> dict:
        return {"plain": {"e1_cpu": 1.0, "e2_cpu": 1.0 + plain_s},
                "ftz": {"e1_cpu": 2.0, "e2_cpu": 2.0 + ftz_s}}

    # a slow spell doubles both modes of the second round: its ratio stays 1.0, while the
    # ratio of the two medians (3.0 / 1.5) would read as 2x
    rounds = [round_of(1.0, 1.0), round_of(3.0, 3.0), round_of(3.0, 1.5)]
    assert sweeper._paired_ratio(rounds, "cpu") == pytest.approx(1.0)
    # rounds with a non-positive step time are left out; none left gives None
    assert sweeper._paired_ratio([round_of(-1.0, 1.0), round_of(1.2, 1.0)], "cpu") == \
        pytest.approx(1.2)
    assert sweeper._paired_ratio([round_of(0.0, 1.0)], "cpu") is None
