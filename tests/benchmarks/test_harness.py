"""Harness logic without creating any venv: JSON schema, merging, the run watchdog,
a runner driven in-process with a fake backend, and the report."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import configs as cfg
from benchmarks import harness, report, schema


def fake_entry(config="tutorial", variant="ours-mb16", threads=1, fit=0.5, status="ok"):
    backend = cfg.VARIANTS[variant].backend
    entry = {"config": config, "variant": variant, "backend": backend, "rule": "minibatch",
             "batch_size": 16, "threads": threads, "device": "cpu", "status": status,
             "runs": []}
    if status == "ok":
        runs = [{"status": "ok", "wall_s": 2.0, "watch_peak_mb": 300.0,
                 "times": {"import": 1.0, "data": 0.01, "init": 0.02, "fit": fit * k},
                 "rss_mb": {"start": 10.0, "after_import": 150.0, "before_fit": 160.0,
                            "peak_fit": 170.0, "peak": 180.0 + k},
                 "modules_after_import": {"matplotlib": False}} for k in (1, 2, 3)]
        entry.update(runs=runs, median=harness.summarise(runs), qe=0.2, te=0.01)
    else:
        entry["reason"] = "because"
    return entry


def fake_doc(entries=None):
    confs = cfg.full_configs()
    return {
        "schema": schema.SCHEMA, "created": "2026-01-01T00:00:00+00:00",
        "command": "python -m benchmarks.harness", "duration_s": 1.0,
        "machine": {"cpu": "x", "cores": 2, "memory_gb": 24, "platform": "linux",
                    "python": "3.11"},
        "packages": {"ours": ["torch==2.13.0"]},
        "options": {"smoke": False, "only": None, "variants": None, "threads": [1, 2],
                    "repeats": None, "device": "cpu", "timeout_s": 600.0, "mem_cap_gb": 12.0},
        "noise": {"start": [], "end": []}, "bmu": [],
        "configs": [{"id": c.id, "group": c.group, "n": c.n, "features": c.features,
                     "x": c.x, "y": c.y, "epochs": c.epochs, "repeats": c.repeats,
                     "note": c.note} for c in confs],
        "results": entries if entries is not None else [
            fake_entry(), fake_entry(variant="torchsom131-mb16", fit=20.0),
            fake_entry(variant="minisom-online", status="timeout")],
    }


def test_summarise_takes_medians() -> None:
    median = fake_entry(fit=1.0)["median"]
    assert median["fit"] == 2.0 and median["fit_min"] == 1.0 and median["fit_max"] == 3.0
    assert median["peak_rss_mb"] == 182.0
    assert median["peak_above_import_mb"] == 32.0
    assert set(schema.MEDIAN_KEYS) <= set(median)


def test_schema_accepts_a_good_document() -> None:
    assert schema.validate(fake_doc()) == []


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d.pop("machine"), "missing top-level key 'machine'"),
    (lambda d: d["results"][0].pop("median"), "median lacks"),
    (lambda d: d["results"][0].update(te=1.5), "te must lie in"),
    (lambda d: d["results"][0].update(status="weird"), "unknown status"),
    (lambda d: d["results"][2].pop("reason"), "needs a reason"),
    (lambda d: d["results"].append(copy.deepcopy(d["results"][0])), "duplicate entry"),
    (lambda d: d["results"][0].update(config="nowhere"), "config not listed"),
])
def test_schema_reports_problems(breakage, message) -> None:
    doc = fake_doc()
    breakage(doc)
    assert any(message in p for p in schema.validate(doc))


def test_committed_results_follow_the_schema() -> None:
    path = harness.DEFAULT_OUT
    if not path.exists():
        pytest.skip("no committed results yet")
    assert schema.validate(json.loads(path.read_text())) == []


def test_merge_keeps_what_was_not_redone() -> None:
    old = fake_doc()
    new = fake_doc([fake_entry(fit=0.1)])
    new["configs"] = [c for c in new["configs"] if c["id"] == "tutorial"]
    merged = harness.merge(old, new)
    keys = [schema.entry_key(e) for e in merged["results"]]
    assert len(keys) == 3 and len(set(keys)) == 3
    redone = next(e for e in merged["results"] if e["variant"] == "ours-mb16")
    assert redone["median"]["fit"] == pytest.approx(0.2)
    assert merged["merged_from"][0]["kept_entries"] == 2
    assert schema.validate(merged) == []


def test_plan_and_args() -> None:
    args = harness.parse_args(["--smoke"])
    assert args.thread_list == [1] and args.out.name == "smoke.json"
    (conf, variants), = harness.plan(args)
    assert conf.id == "smoke" and len(variants) == len(cfg.VARIANTS)
    args = harness.parse_args(["--only", "grid-16000x300", "--variants", "ours-*", "--quick"])
    assert args.repeats == 1 and args.thread_list == [1, 2]
    (conf, variants), = harness.plan(args)
    assert [v.name for v in variants] == ["ours-mb16", "ours-mb256", "ours-batch", "ours-kohonen"]


def test_child_env_pins_threads() -> None:
    env = harness.child_env(2, "cpu")
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "2"
    assert env["CUDA_VISIBLE_DEVICES"] == ""
    assert "CUDA_VISIBLE_DEVICES" not in harness.child_env(1, "cuda") or \
        harness.child_env(1, "cuda")["CUDA_VISIBLE_DEVICES"] != ""


def test_watchdog_timeout_and_memory_cap(tmp_path: Path) -> None:
    env = harness.child_env(1, "cpu")
    ok = harness.watch([sys.executable, "-c", "pass"], env, 30, 10_000, tmp_path / "a")
    assert ok["verdict"] is None and ok["returncode"] == 0
    slow = harness.watch([sys.executable, "-c", "import time; time.sleep(30)"], env, 0.5,
                         10_000, tmp_path / "b")
    assert slow["verdict"] == "timeout" and slow["wall_s"] < 10
    big = harness.watch([sys.executable, "-c",
                         "import time; b = bytearray(400 * 2**20); time.sleep(30)"],
                        env, 20, 200, tmp_path / "c")
    assert big["verdict"] == "oom" and big["watch_peak_mb"] > 200


class FakeBackend:
    """A runner backend with no dependency: the 'map' is the data's first rows."""

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
    sys.path.insert(0, str(harness.RUNNERS))
    try:
        import _common
    finally:
        sys.path.remove(str(harness.RUNNERS))
    return _common


def test_runner_protocol(tmp_path: Path, monkeypatch) -> None:
    common = load_common()
    data = tmp_path / "d.npy"
    np.save(data, np.zeros((5, 3), dtype=np.float32))
    job = {"x": 2, "y": 4, "features": 3, "data_path": str(data), "repeats": 3,
           "out_dir": str(tmp_path / "o")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    monkeypatch.setattr(sys, "argv", ["runner", str(tmp_path / "job.json")])
    assert common.main(FakeBackend) == 0
    res = json.loads((tmp_path / "o" / "result.json").read_text())
    assert res["ok"] and set(res["times"]) == {"import", "data"} and len(res["runs"]) == 3
    for run in res["runs"]:
        assert {"init", "fit", "peak", "peak_fit", "peak_init"} <= set(run)
        assert run["peak"] >= res["rss_mb"]["after_import"] > 0
    assert np.load(tmp_path / "o" / "weights.npy").shape == (2, 4, 3)
    runs = harness.runs_of(res)
    assert set(runs[0]["times"]) == {"import", "data", "init", "fit"}
    assert harness.summarise(runs)["fit"] >= 0

    job["features"] = 4  # the weights no longer have the announced shape
    (tmp_path / "job.json").write_text(json.dumps(job))
    assert common.main(FakeBackend) == 1
    res = json.loads((tmp_path / "o" / "result.json").read_text())
    assert not res["ok"] and "expected" in res["error"]


def test_runner_stops_repeating_slow_fits(tmp_path: Path, monkeypatch) -> None:
    common = load_common()
    data = tmp_path / "d.npy"
    np.save(data, np.zeros((5, 3), dtype=np.float32))
    job = {"x": 1, "y": 2, "features": 3, "data_path": str(data), "repeats": 3,
           "slow_threshold": 1e-9, "out_dir": str(tmp_path / "o")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    monkeypatch.setattr(sys, "argv", ["runner", str(tmp_path / "job.json")])
    assert common.main(FakeBackend) == 0
    res = json.loads((tmp_path / "o" / "result.json").read_text())
    assert len(res["runs"]) == 1 and "limit" in res["repeats_note"]


def test_report_renders_targets_and_tables(tmp_path: Path, monkeypatch) -> None:
    res = report.Results(fake_doc())
    rows = report.targets(res)
    tutorial = next(r for r in rows if r[0].startswith("Tutorial fit") and "(1 thread)" in r[0])
    assert "40.0×" in tutorial[2] and tutorial[3] == "**pass**"
    monkeypatch.setattr(report, "PROFILES", tmp_path / "none.json")
    text = report.markdown(res, figure_ok=False)
    assert "# Benchmarks" in text and "| ours-mb16 |" in text and "timeout" in text


def test_report_import_rows_come_from_the_import_probe() -> None:
    doc = fake_doc()
    doc["imports"] = {
        "ours": {"start_mb": 12, "import_mb": 16, "engine_mb": 225, "torch_only_mb": 224,
                 "modules_after_import": [], "modules_after_engine": ["torch", "numpy"],
                 "runs": 3},
        "torchsom131": {"start_mb": 11, "import_mb": 345, "engine_mb": 345,
                        "torch_only_mb": 224, "modules_after_import": ["matplotlib"],
                        "modules_after_engine": ["matplotlib"], "runs": 3},
    }
    rows = {r[0]: r for r in report.targets(report.Results(doc))}
    rss = rows["`import torchsom`: RSS (fresh process, median)"]
    assert rss[3] == "**pass**" and "16 MB" in rss[2] and "345 MB" in rss[2]
    assert rows["`import torchsom`: matplotlib not loaded"][3] == "**pass**"
    assert "225 MB" in rows["RSS once `torchsom.SOM` is loaded (torch in memory)"][2]
    merged = harness.merge(doc, {**fake_doc(), "imports": {"ours": doc["imports"]["ours"]}})
    assert set(merged["imports"]) == {"ours", "torchsom131"}


def test_import_probe_reports_a_lazy_root() -> None:
    import subprocess

    out = subprocess.run([sys.executable, str(harness.RUNNERS / "import_probe.py")],
                         capture_output=True, text=True, check=True)
    probe = json.loads(out.stdout)
    assert probe["modules_after_import"] == []
    assert "torch" in probe["modules_after_engine"]
    assert probe["start_mb"] <= probe["import_mb"] < probe["engine_mb"]


def test_kohonen_variant_holds_the_learning_rate(tmp_path: Path) -> None:
    import importlib.util

    import torch

    import torchsom

    spec = importlib.util.spec_from_file_location("run_ours", harness.RUNNERS / "run_ours.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    variant = cfg.VARIANTS["ours-kohonen"]
    conf = cfg.select(cfg.full_configs(), "tutorial")[0]
    args = harness.parse_args(["--only", "tutorial"])
    args.bench_dir = tmp_path
    job = harness._job(conf, variant, 1, tmp_path / "data.npy", args, 0)
    assert job["learning_rate"] == 1.0 and job["constant_lr"] is True
    som = runner.build(torchsom, {**job, "epochs": 4},
                       torch.randn(30, conf.features, generator=torch.Generator().manual_seed(0)))
    assert [float(v) for v in som.lr_schedule] == [1.0] * 4
    blended = harness._job(conf, cfg.VARIANTS["ours-batch"], 1, tmp_path / "d.npy", args, 0)
    assert blended["learning_rate"] == cfg.LEARNING_RATE and not blended["constant_lr"]


def test_minibatch_floor_script_reports_every_part(capsys) -> None:
    import torch

    from benchmarks import minibatch_floor

    before = torch.get_num_threads()
    assert minibatch_floor.main(["--n", "64", "--features", "8", "--x", "4", "--y", "3",
                                 "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    for part in ("search product", "update product", "squared norms", "full fit, per batch"):
        assert part in out
    assert torch.get_num_threads() == before
