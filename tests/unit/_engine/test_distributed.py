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

import numpy as np
import pytest
import torch

from torchsom import SOM
from torchsom._engine.distributed import Collective, RankFailure

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


# ---------------------------------------------------------------- one rank, in this process
@pytest.fixture()
def one_rank(tmp_path):
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
                            world_size=1)
    try:
        yield dist
    finally:
        dist.destroy_process_group()


DATA = torch.randn(300, 3, generator=torch.Generator().manual_seed(4))


def _map(**settings) -> SOM:
    values = dict(x=4, y=5, num_features=3, epochs=3, batch_size=16, random_seed=3,
                  device="cpu")
    values.update(settings)
    return SOM(**values)


@pytest.mark.parametrize("algorithm", ["batch", "minibatch"])
def test_one_rank_trains_like_one_process(one_rank, algorithm) -> None:
    """The data-parallel arithmetic (sums before the update, the step divided by the
    global batch after) on one rank gives the plain fit's map, to rounding."""
    plain, shared = _map(algorithm=algorithm), _map(algorithm=algorithm)
    q_plain, t_plain = plain.fit(DATA, verbose=False)
    q_shared, t_shared = shared.fit(DATA, verbose=False, distributed=True,
                                    process_group=one_rank.new_group([0]))
    torch.testing.assert_close(shared.weights, plain.weights, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(q_shared, q_plain, rtol=1e-5)
    np.testing.assert_allclose(t_shared, t_plain, atol=1e-3)


def test_one_rank_trains_like_one_process_with_the_smoothed_update(one_rank,
                                                                   monkeypatch) -> None:
    """The same with the mini-batch update taken through smoothed per-neuron sums."""
    import torchsom._engine.rules as rules

    monkeypatch.setattr(rules, "smoothing_pays", lambda batch, grid, features: True)
    plain, shared = _map(), _map()
    plain.fit(DATA, verbose=False)
    shared.fit(DATA, verbose=False, distributed=True, process_group=one_rank.new_group([0]))
    reference = _map()
    monkeypatch.setattr(rules, "smoothing_pays", lambda batch, grid, features: False)
    reference.fit(DATA, verbose=False)
    torch.testing.assert_close(shared.weights, plain.weights, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(plain.weights, reference.weights, rtol=1e-5, atol=1e-5)


def test_one_rank_checkpoints_and_resumes(one_rank, tmp_path) -> None:
    path = tmp_path / "job.som"
    first = _map(epochs=2)
    first.fit(DATA, verbose=False, distributed=True, checkpoint=path, checkpoint_every=1)
    reference = _map(epochs=2)
    reference.fit(DATA, verbose=False, distributed=True)
    assert torch.equal(first.weights, reference.weights)
    resumed = _map(epochs=2)
    resumed.fit(DATA, verbose=False, distributed=True, resume=path)
    assert torch.equal(resumed.weights, reference.weights)
    with pytest.raises(ValueError, match="re-iterable sources"):
        _map().fit(iter([DATA]), n_samples=300, verbose=False, distributed=True,
                   checkpoint=path)


def test_a_single_pass_iterator_trains_data_parallel(one_rank) -> None:
    plain, shared = _map(), _map()
    plain.fit(iter(torch.split(DATA, 100)), n_samples=300, verbose=False)
    shared.fit(iter(torch.split(DATA, 100)), n_samples=300, verbose=False, distributed=True)
    torch.testing.assert_close(shared.weights, plain.weights, rtol=1e-5, atol=1e-5)


def test_a_failed_collective_is_raised_naming_the_step(one_rank, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("Connection closed by peer")

    monkeypatch.setattr(one_rank, "all_reduce", broken)
    som = _map()
    before = som.weights.clone()
    with pytest.raises(RankFailure, match=r"rank 0 of 1: the all-reduce of the reference "
                                          r"point failed: another rank stopped.*Connection"):
        som.fit(DATA, verbose=False, distributed=True)
    assert torch.equal(som.weights, before)
    monkeypatch.setattr(one_rank, "broadcast", broken)
    with pytest.raises(RankFailure, match="broadcast of the starting codebook"):
        Collective().broadcast_(torch.zeros(2), "the starting codebook")
    monkeypatch.setattr(one_rank, "all_gather", broken)
    with pytest.raises(RankFailure, match="gathering"):
        Collective().gather(torch.zeros(2), "generator states")
    monkeypatch.setattr(one_rank, "all_gather_object", broken)
    with pytest.raises(RankFailure, match="start-up check"):
        Collective().agree({}, None)


def test_a_rank_problem_is_reported(one_rank) -> None:
    with pytest.raises(RankFailure, match="rank 0: ValueError: data is empty"):
        _map().fit(torch.empty(0, 3), verbose=False, distributed=True)
    with pytest.raises(RankFailure, match="rank 0: its callable yielded no samples"):
        _map().fit(lambda: [], verbose=False, distributed=True)


def test_a_checkpoint_rank_zero_cannot_write_fails_clearly(one_rank, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _map().fit(DATA, verbose=False, distributed=True,
                   checkpoint=tmp_path / "missing" / "job.som")
