"""benchmarks/runners/_common.py: the runner protocol, driven in-process with a fake backend."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from benchmarks import entries


class FakeBackend:
    """A runner backend with no dependency: the 'map' is an array of ones."""

    @staticmethod
    def import_lib(job):
        return np

    @staticmethod
    def load_data(lib, job, array):
        return array

    @staticmethod
    def build(lib, job, data):
        return np.zeros((job["x"], job["y"], data.shape[1]), dtype=np.float32)

    @staticmethod
    def fit(lib, job, som, data):
        som[...] = 1.0

    @staticmethod
    def weights(lib, som):
        return som

    @staticmethod
    def versions(lib):
        return {"numpy": np.__version__}


def load_common():
    sys.path.insert(0, str(entries.RUNNERS))
    try:
        import _common
    finally:
        sys.path.remove(str(entries.RUNNERS))
    return _common


def write_job(tmp_path: Path, **job) -> None:
    data = tmp_path / "d.npy"
    np.save(data, np.zeros((5, 3), dtype=np.float32))
    (tmp_path / "job.json").write_text(json.dumps({"data_path": str(data),
                                                   "out_dir": str(tmp_path / "o"), **job}))


def test_runner_protocol(tmp_path: Path, monkeypatch) -> None:
    common = load_common()
    write_job(tmp_path, x=2, y=4, features=3, repeats=3)
    monkeypatch.setattr(sys, "argv", ["runner", str(tmp_path / "job.json")])
    assert common.main(FakeBackend) == 0
    res = json.loads((tmp_path / "o" / "result.json").read_text())
    assert res["ok"] and set(res["times"]) == {"import", "data"} and len(res["runs"]) == 3
    for run in res["runs"]:
        assert {"init", "fit", "peak", "peak_fit", "peak_init"} <= set(run)
        assert run["peak"] >= res["rss_mb"]["after_import"] > 0
    assert np.load(tmp_path / "o" / "weights.npy").shape == (2, 4, 3)
    runs = entries.runs_of(res)
    assert set(runs[0]["times"]) == {"import", "data", "init", "fit"}
    assert entries.summarise(runs)["fit"] >= 0

    write_job(tmp_path, x=2, y=4, features=4, repeats=3)  # weights lack the announced shape
    assert common.main(FakeBackend) == 1
    res = json.loads((tmp_path / "o" / "result.json").read_text())
    assert not res["ok"] and "expected" in res["error"]


def test_runner_stops_repeating_slow_fits(tmp_path: Path, monkeypatch) -> None:
    common = load_common()
    write_job(tmp_path, x=1, y=2, features=3, repeats=3, slow_threshold=1e-9)
    monkeypatch.setattr(sys, "argv", ["runner", str(tmp_path / "job.json")])
    assert common.main(FakeBackend) == 0
    res = json.loads((tmp_path / "o" / "result.json").read_text())
    assert len(res["runs"]) == 1 and "limit" in res["repeats_note"]


def test_a_sweep_job_goes_to_the_sweep_runner(tmp_path: Path, monkeypatch) -> None:
    import torch

    common = load_common()
    write_job(tmp_path, kind="sweep", threads=1, points=[])
    monkeypatch.setattr(sys, "argv", ["runner", str(tmp_path / "job.json")])
    threads = torch.get_num_threads()
    sys.path.insert(0, str(entries.RUNNERS))
    try:
        assert common.main(FakeBackend) == 0
    finally:
        sys.path.remove(str(entries.RUNNERS))
        torch.set_num_threads(threads)
    process = json.loads((tmp_path / "o" / "sweep-process.json").read_text())
    assert process["ok"] and process["versions"] == {"numpy": np.__version__}
    assert isinstance(process["flush_denormal_supported"], bool)
    assert (tmp_path / "o" / "sweep.jsonl").read_text() == ""
    assert not (tmp_path / "o" / "result.json").exists()
