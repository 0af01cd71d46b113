"""benchmarks/supervise.py: child environment and the watchdog (timeout, memory, point cap)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from benchmarks import supervise


def test_child_env_pins_threads() -> None:
    env = supervise.child_env(2, "cpu")
    assert all(env[v] == "2" for v in supervise.THREAD_VARS)
    assert env["CUDA_VISIBLE_DEVICES"] == "" and "PYTHONPATH" not in env
    assert supervise.child_env(1, "cuda").get("CUDA_VISIBLE_DEVICES") != ""


def test_watchdog_timeout_and_memory_cap(tmp_path: Path) -> None:
    env = supervise.child_env(1, "cpu")
    ok = supervise.watch([sys.executable, "-c", "pass"], env, 30, 10_000, tmp_path / "a")
    assert ok["verdict"] is None and ok["returncode"] == 0
    slow = supervise.watch([sys.executable, "-c", "import time; time.sleep(30)"], env, 0.5,
                           10_000, tmp_path / "b")
    assert slow["verdict"] == "timeout" and slow["wall_s"] < 10
    big = supervise.watch([sys.executable, "-c",
                           "import time; b = bytearray(400 * 2**20); time.sleep(30)"],
                          env, 20, 200, tmp_path / "c")
    assert big["verdict"] == "oom" and big["watch_peak_mb"] > 200


def test_point_cap_kills_the_point_in_flight(tmp_path: Path) -> None:
    progress = tmp_path / "progress.json"
    script = (f"import json, time; json.dump({{'point': 'p7', 'point_started': time.time()}}, "
              f"open({str(progress)!r}, 'w')); time.sleep(30)")
    cap = supervise.PointCap(progress, 0.5)
    out = supervise.watch([sys.executable, "-c", script], supervise.child_env(1, "cpu"), 30,
                          10_000, tmp_path / "d", point_cap=cap)
    assert out["verdict"] == "point-timeout" and out["wall_s"] < 10
    assert out["progress"]["point"] == "p7" and out["killed_at"] is not None
    assert 0 <= out["killed_cpu_s"] < out["wall_s"]  # it slept: little CPU time


def test_cpu_seconds_of_this_process() -> None:
    import os

    before = supervise.cpu_seconds_of(os.getpid())
    sum(i * i for i in range(3_000_000))
    after = supervise.cpu_seconds_of(os.getpid())
    assert before is not None and after > before
    assert abs(after - time.process_time()) < 0.5
    assert supervise.cpu_seconds_of(2**22 + 12345) is None


def test_point_cap_reads_only_a_point_in_flight(tmp_path: Path) -> None:
    cap = supervise.PointCap(tmp_path / "progress.json", 1.0)
    assert cap.exceeded(time.time()) is None  # no file yet
    (tmp_path / "progress.json").write_text(json.dumps({"point": None, "point_started": None}))
    assert cap.exceeded(time.time()) is None  # between points
    (tmp_path / "progress.json").write_text(json.dumps({"point": "a", "point_started": 100.0}))
    assert cap.exceeded(100.5) is None and cap.exceeded(101.5)["point"] == "a"
    (tmp_path / "progress.json").write_text("{cut")
    assert cap.exceeded(1e12) is None


def test_stderr_tail(tmp_path: Path) -> None:
    (tmp_path / "stderr.txt").write_text("x" * 1000 + "the end")
    assert supervise.stderr_tail(tmp_path, 7) == "the end"
    assert supervise.stderr_tail(tmp_path / "none") == ""
