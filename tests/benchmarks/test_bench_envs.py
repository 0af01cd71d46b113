"""benchmarks/envs.py: environment keys and recorded freezes (no venv is built here)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import configs as cfg
from benchmarks import envs


def test_env_key_follows_requirements_and_the_repo() -> None:
    repo = Path(__file__).resolve().parents[2]
    ours, legacy = cfg.BACKENDS["ours"], cfg.BACKENDS["torchsom131"]
    assert envs.env_key(ours, repo) == envs.env_key(ours, repo)
    assert envs.env_key(ours, repo) != envs.env_key(legacy, repo)


def test_frozen_reads_the_stamp(tmp_path: Path) -> None:
    (tmp_path / "ours").mkdir()
    (tmp_path / "ours" / envs.STAMP).write_text(json.dumps({"freeze": ["torch==2.13.0"]}))
    assert envs.frozen(tmp_path, "ours") == ["torch==2.13.0"]
    assert envs.frozen(tmp_path, "missing") == []
