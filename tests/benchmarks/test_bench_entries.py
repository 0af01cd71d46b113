"""benchmarks/entries.py: medians of an entry, the runner's job, the results shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_fakes import fake_entry

from benchmarks import configs as cfg
from benchmarks import entries, harness, schema


def test_summarise_takes_medians() -> None:
    median = fake_entry(fit=1.0)["median"]
    assert median["fit"] == 2.0 and median["fit_min"] == 1.0 and median["fit_max"] == 3.0
    assert median["peak_rss_mb"] == 182.0
    assert median["peak_above_import_mb"] == 32.0
    assert set(schema.MEDIAN_KEYS) <= set(median)


def test_runs_of_puts_process_phases_beside_each_run() -> None:
    res = {"times": {"import": 1.5, "data": 0.1}, "rss_mb": {"start": 9, "after_import": 99},
           "runs": [{"init": 0.2, "fit": 0.3, "peak": 120, "peak_fit": 110}],
           "modules_after_import": {"matplotlib": False}}
    (run,) = entries.runs_of(res)
    assert run["times"] == {"import": 1.5, "data": 0.1, "init": 0.2, "fit": 0.3}
    assert run["rss_mb"]["after_import"] == 99 and run["rss_mb"]["peak"] == 120


def test_job_of_the_kohonen_variant_holds_the_learning_rate(tmp_path: Path) -> None:
    conf = cfg.select(cfg.full_configs(), "tutorial")[0]
    args = harness.parse_args(["--only", "tutorial"])
    args.bench_dir = tmp_path
    job = entries.make_job(conf, cfg.VARIANTS["ours-kohonen"], 1, tmp_path / "d.npy", args, 0)
    assert job["learning_rate"] == 1.0 and job["constant_lr"] is True
    blended = entries.make_job(conf, cfg.VARIANTS["ours-batch"], 2, tmp_path / "d.npy", args, 1)
    assert blended["learning_rate"] == cfg.LEARNING_RATE and not blended["constant_lr"]
    assert blended["threads"] == 2 and blended["out_dir"].endswith("ours-batch/t2/r1")


def test_skipped_entry_carries_the_reason() -> None:
    conf = next(c for c in cfg.full_configs() if c.id == "memory-200x200")
    entry = entries.skipped_entry(conf, cfg.VARIANTS["torchsom131-mb16"], 1)
    assert entry["status"] == "skipped" and "OOM" in entry["reason"]


def test_kohonen_runner_build_holds_the_rate(tmp_path: Path) -> None:
    import importlib.util

    import torch

    import torchsom

    spec = importlib.util.spec_from_file_location("run_ours", entries.RUNNERS / "run_ours.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    conf = cfg.select(cfg.full_configs(), "tutorial")[0]
    args = harness.parse_args(["--only", "tutorial"])
    args.bench_dir = tmp_path
    job = entries.make_job(conf, cfg.VARIANTS["ours-kohonen"], 1, tmp_path / "d.npy", args, 0)
    som = runner.build(torchsom, {**job, "epochs": 4},
                       torch.randn(30, conf.features, generator=torch.Generator().manual_seed(0)))
    assert [float(v) for v in som.lr_schedule] == pytest.approx([1.0] * 4)
