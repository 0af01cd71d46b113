"""One rank of the 2-rank gloo tests (run as a script by test_distributed.py).

Usage: ``python distributed_worker.py RANK WORLD PORT OUT``. The rank joins a gloo group
on 127.0.0.1:PORT, trains (batch and mini-batch rules, a stopped and resumed job), then
provokes the failures (different settings, an empty shard, a rank that dies) and writes
what it found to ``OUT/rank<RANK>.pt`` (a dict; errors as their messages). Rank 1 ends
by dying (``os._exit``) in the middle of a fit, after writing its file.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist

from torchsom import SOM
from torchsom.functional.decay import asymptotic_decay

FEATURES = 3
SIZES = (200, 130)  # unequal shards: the mini-batch rule joins steps with empty batches
TIMEOUT = 30  # seconds: the process group's timeout


def shards() -> list[torch.Tensor]:
    data = torch.randn(sum(SIZES), FEATURES, generator=torch.Generator().manual_seed(5))
    return list(torch.split(data, list(SIZES)))


def make(**settings) -> SOM:
    values = dict(x=4, y=5, num_features=FEATURES, epochs=3, batch_size=10, sigma=1.5,
                  learning_rate=0.5, random_seed=3, device="cpu")
    values.update(settings)
    return SOM(**values)


def minibatch_reference(parts: list[torch.Tensor]) -> torch.Tensor:
    """One process on the same global batches: each rank's batch ``s`` (in that rank's
    shuffled order), side by side, as one step."""
    som = make(batch_size=10 * len(parts))
    generators = [make()._generator for _ in parts]  # each rank's, as the fit starts
    epochs = []
    for _ in range(som.epochs):
        ranked = [part[torch.randperm(len(part), generator=generator)]
                  for part, generator in zip(parts, generators)]
        steps = -(-max(SIZES) // 10)
        epochs.append([torch.cat([r[s * 10 : (s + 1) * 10] for r in ranked])
                       for s in range(steps)])
    passes = iter(epochs)
    som.fit(lambda: next(passes), verbose=False)
    return som.weights.detach().clone()


def scenario_equal(rank: int, world: int, out: dict) -> None:
    parts = shards()
    for algorithm in ("batch", "minibatch"):
        som = make(algorithm=algorithm)
        q, t = som.fit(parts[rank], verbose=False, distributed=True)
        out[algorithm] = som.weights.detach().clone()
        out[algorithm + "_errors"] = (q, t)
        if rank == 0:
            if algorithm == "batch":
                single = make(algorithm="batch")
                single.fit(torch.cat(parts), verbose=False)
                out["batch_reference"] = single.weights.detach().clone()
            else:
                out["minibatch_reference"] = minibatch_reference(parts)
    # a job stopped in its third epoch, restarted: it resumes from rank 0's checkpoint
    path = os.path.join(os.environ["SCENARIO_DIR"], "job.som")
    batches = list(torch.split(parts[rank], 10))
    calls = {"count": 0}

    def crashing() -> list[torch.Tensor]:
        calls["count"] += 1
        if calls["count"] == 3:
            raise OSError("storage went away")
        return batches

    som = make(epochs=4)
    try:
        som.fit(crashing, verbose=False, distributed=True, checkpoint=path)
    except OSError:
        pass
    resumed = make(epochs=4)
    resumed.fit(lambda: batches, verbose=False, distributed=True, checkpoint=path,
                resume=True)
    out["resumed"] = resumed.weights.detach().clone()
    out["resumed_history"] = list(resumed.quantization_errors_)
    plain = make(epochs=4)
    plain.fit(lambda: batches, verbose=False, distributed=True)
    out["uninterrupted"] = plain.weights.detach().clone()
    out["uninterrupted_history"] = list(plain.quantization_errors_)


def scenario_failures(rank: int, world: int, out: dict, folder: str) -> None:
    parts = shards()
    som = make(sigma=1.5 if rank == 0 else 2.0)
    try:
        som.fit(parts[rank], verbose=False, distributed=True)
    except RuntimeError as exc:
        out["settings"] = str(exc)
    som = make()
    shard = parts[rank] if rank == 0 else torch.empty(0, FEATURES)
    try:
        som.fit(shard, verbose=False, distributed=True)
    except (RuntimeError, ValueError) as exc:
        out["empty"] = str(exc)

    def dying_decay(value, t, epochs):  # rank 1 stops dead at the start of epoch 2
        if t == 2:
            out["death_time"] = time.monotonic()
            if rank == 1:
                torch.save(out, os.path.join(folder, f"rank{rank}.pt"))
                os._exit(3)
        return asymptotic_decay(value, t, epochs)

    dying_decay.__name__ = "dying_decay"
    som = make(lr_decay_function=dying_decay, epochs=5)
    before = som.weights.detach().clone()
    try:
        som.fit(parts[rank], verbose=False, distributed=True)
    except RuntimeError as exc:
        out["death"] = str(exc)
        out["death_seconds"] = time.monotonic() - out["death_time"]
        out["rolled_back"] = torch.equal(som.weights.detach(), before)


def main() -> None:
    rank, world, port, folder = sys.argv[1:5]
    rank, world = int(rank), int(world)
    os.environ["SCENARIO_DIR"] = folder
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world, timeout=timedelta(seconds=TIMEOUT))
    out: dict = {}
    scenario_equal(rank, world, out)
    scenario_failures(rank, world, out, folder)
    torch.save(out, os.path.join(folder, f"rank{rank}.pt"))
    os._exit(0)  # the group lost a rank: do not wait for it on the way out


if __name__ == "__main__":
    main()
