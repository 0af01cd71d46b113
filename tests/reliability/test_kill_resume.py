"""A fit killed with SIGKILL resumes from its last checkpoint to the uninterrupted map.

A child process trains from a ``.npy`` memmap (shuffled in blocks, checkpoint every two
blocks); its block reads are slowed down so that the kill lands mid-run. The test kills
it once a checkpoint from the second pass exists, resumes in a new process, and compares
the codebook, the history and the generator with an uninterrupted fit's, bit for bit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from torchsom import io
from torchsom._engine.checkpoint import STATE_KEY

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import hashlib, json, sys, time
    import torch
    import torchsom._engine.sources as sources
    from torchsom import SOM

    data_path, checkpoint, mode = sys.argv[1:4]
    sources.BLOCK_BYTES = 100 * 5 * 4  # 100-row blocks: 20 a pass
    if mode == "slow":
        real = sources.ArraySource._checked

        def slow(self, raw, index, start):
            time.sleep(0.05)
            return real(self, raw, index, start)

        sources.ArraySource._checked = slow
    som = SOM(6, 5, 5, epochs=6, batch_size=20, random_seed=7, device="cpu")
    options = {"plain": {}, "slow": {"checkpoint": checkpoint, "checkpoint_every": 2},
               "resume": {"checkpoint": checkpoint, "resume": checkpoint}}[mode]
    som.fit(data_path, verbose=False, **options)
    digest = hashlib.sha256(som.weights.detach().numpy().tobytes()).hexdigest()
    state = hashlib.sha256(som._generator.get_state().numpy().tobytes()).hexdigest()
    print(json.dumps([digest, som.quantization_errors_, som.topographic_errors_, state]))
    """
)


def _run(*args: str) -> list:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _position(path: Path) -> tuple[int, int] | None:
    try:
        metadata, _ = io.read_entries(path)
    except (OSError, ValueError):
        return None
    position = json.loads(metadata[STATE_KEY])
    return position["pass"], position["chunks_done"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_fit_then_resume_gives_the_uninterrupted_map(tmp_path) -> None:
    data = np.random.default_rng(0).standard_normal((2000, 5)).astype(np.float32)
    data_path = tmp_path / "data.npy"
    np.save(data_path, data)
    checkpoint = tmp_path / "fit.som"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_path), str(checkpoint),
                              "slow"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        while True:
            position = _position(checkpoint)
            if position is not None and (position[0], position[1]) >= (1, 4):
                break
            assert child.poll() is None, child.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "no checkpoint of the second pass in time"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    killed_at = _position(checkpoint)  # a whole, valid file (writes are atomic)
    assert killed_at is not None and killed_at < (6, 0)  # the fit had not finished
    resumed = _run(str(data_path), str(checkpoint), "resume")
    uninterrupted = _run(str(data_path), str(checkpoint), "plain")
    assert resumed == uninterrupted
    assert len(resumed[1]) == 6
