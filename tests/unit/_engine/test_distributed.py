"""Data-parallel training over torch.distributed: 2 gloo ranks on 127.0.0.1.

The ranks run ``distributed_worker.py`` as two processes (each with a hard timeout, so
this test can never hang): they train with both rules on unequal shards, stop and resume
a checkpointed job, then provoke the failures. The single-process parts of
:mod:`torchsom._engine.distributed` are tested below without a group.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from torchsom import SOM
from torchsom._engine.distributed import Collective

WORKER = Path(__file__).with_name("distributed_worker.py")
ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("ranks")
    port = _free_port()
    env = dict(os.environ, GLOO_SOCKET_IFNAME="lo", PYTHONPATH=str(ROOT),
               OMP_NUM_THREADS="1")
    processes = [subprocess.Popen([sys.executable, str(WORKER), str(rank), "2", str(port),
                                   str(folder)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
                 for rank in range(2)]
    logs = []
    for process in processes:
        try:
            logs.append(process.communicate(timeout=240)[0])
        except subprocess.TimeoutExpired:  # never hang CI: stop both, then fail
            for other in processes:
                other.kill()
            pytest.fail("the 2-rank run did not finish within 240 s")
    assert processes[0].returncode == 0, logs[0][-3000:]
    assert processes[1].returncode == 3, logs[1][-3000:]  # rank 1 dies on purpose
    return [torch.load(folder / f"rank{rank}.pt", weights_only=False) for rank in range(2)]


@pytest.mark.parametrize("algorithm", ["batch", "minibatch"])
def test_ranks_end_identical_and_equal_one_process_on_the_same_global_batches(
        ranks, algorithm) -> None:
    zero, one = ranks
    assert torch.equal(zero[algorithm], one[algorithm])
    assert zero[algorithm + "_errors"] == one[algorithm + "_errors"]
    torch.testing.assert_close(zero[algorithm], zero[algorithm + "_reference"],
                               rtol=1e-5, atol=1e-5)
    assert not torch.equal(zero[algorithm], SOM(4, 5, 3, random_seed=3).weights)


def test_a_restarted_job_resumes_from_the_checkpoint(ranks) -> None:
    for out in ranks:
        assert torch.equal(out["resumed"], out["uninterrupted"])
        assert out["resumed_history"] == out["uninterrupted_history"]
        assert len(out["resumed_history"]) == 4


def test_different_settings_fail_at_start_up_naming_the_setting(ranks) -> None:
    for out in ranks:
        assert "'sigma'" in out["settings"]
        assert "rank 0: 1.5" in out["settings"] and "rank 1: 2.0" in out["settings"]


def test_an_empty_shard_fails_on_every_rank(ranks) -> None:
    for out in ranks:
        assert "rank 1" in out["empty"] and "empty" in out["empty"]


def test_a_rank_that_dies_makes_the_others_fail_within_the_timeout(ranks) -> None:
    survivor = ranks[0]
    assert "rank 0 of 2" in survivor["death"]
    assert "another rank stopped" in survivor["death"]
    assert survivor["death_seconds"] < 30  # the process group's timeout
    assert survivor["rolled_back"]  # the codebook is as before the call


def test_distributed_fit_needs_a_process_group() -> None:
    som = SOM(3, 3, 2, epochs=1, device="cpu")
    with pytest.raises(RuntimeError, match="init_process_group"):
        som.fit(torch.zeros(4, 2), verbose=False, distributed=True)
    with pytest.raises(RuntimeError, match="init_process_group"):
        Collective()


def test_process_group_needs_distributed() -> None:
    som = SOM(3, 3, 2, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="distributed=True"):
        som.fit(torch.zeros(4, 2), verbose=False, process_group=object())
