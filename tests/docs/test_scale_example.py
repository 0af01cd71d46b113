"""The torchrun command of docs/scale.md runs as written (2 gloo ranks on 127.0.0.1)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import torchsom

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "scale.md"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_documented_torchrun_command_trains_and_resumes(tmp_path) -> None:
    blocks = re.findall(r"```bash\n(.*?)```", PAGE.read_text(), flags=re.S)
    command = blocks[0].replace("\\\n", " ").split()
    assert command[:2] == ["torchrun", "--nproc_per_node=2"]
    launcher = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    if launcher is None:
        pytest.skip("torchrun is not installed next to this Python")
    port = _free_port()  # the documented port may be taken on a shared machine
    command = [launcher] + [f"--master_port={port}" if part.startswith("--master_port")
                            else part for part in command[1:]]
    command += ["--samples", "2000", "--epochs", "2", "--out", str(tmp_path / "map.som")]
    command = [str(tmp_path / "som.ckpt") if part == "som.ckpt" else part for part in command]
    env = dict(os.environ, PYTHONPATH=str(Path(torchsom.__file__).parents[1]),
               GLOO_SOCKET_IFNAME="lo")
    finals = []
    for _ in range(2):  # the second run finds the finished checkpoint and resumes it
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        assert "ranks=2 samples/rank=1000 final QE=" in done.stdout
        finals.append(float(done.stdout.split("final QE=")[1].split()[0]))
    assert (tmp_path / "som.ckpt").exists() and (tmp_path / "map.som").exists()
    assert finals[0] == finals[1] > 0
