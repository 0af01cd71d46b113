"""benchmarks/runners/profile_ours.py: cases in, per-case tables and a summary out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import profiling
from benchmarks.supervise import REPO


def test_profile_cases(tmp_path: Path) -> None:
    data = tmp_path / "d.npy"
    np.save(data, np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32))
    cases = [profiling._case("tiny-mb", data, 3, 2, 2, "minibatch", 16),
             profiling._case("sweep-batch-f3-3x2", data, 3, 2, 2, "batch", 16,
                             point="batch-f3-3x2")]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "runners" / "profile_ours.py"),
                    str(tmp_path), str(tmp_path / "cases.json")], check=True, env=env,
                   capture_output=True, text=True, timeout=300)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) == {"tiny-mb", "sweep-batch-f3-3x2"}
    assert summary["sweep-batch-f3-3x2"]["point"] == "batch-f3-3x2"
    for s in summary.values():
        assert s["top_ops"] and s["top_functions"] and s["fit_seconds_unprofiled"] > 0
        assert 0 < sum(o["share"] for o in s["top_ops"]) <= 1.0 + 1e-9
    assert "torch.profiler" in (tmp_path / "tiny-mb.txt").read_text()
