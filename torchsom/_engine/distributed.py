"""Data-parallel training over a ``torch.distributed`` process group.

Every rank reads its own shard; the rules are data-parallel:

* the batch rule sums per-neuron sums and counts, ``(n_neurons, F + 1)``, once per epoch;
* the mini-batch rule sums each step's numerator and denominator, ``stagedᵀ H`` of shape
  ``(F + 1, n_neurons)``, plus the step's sample count: the global batch is the union of
  the ranks' batches. A rank whose shard is used up keeps joining the steps with an empty
  batch until every rank is done, so shards may differ in size.

One all-reduce combines them; every rank then applies the same update and ends with the
same weights. Before training, the ranks compare their map settings (a mismatch names the
setting) and take rank 0's starting codebook. Collectives use the default process group
or the one given; gloo serves CPU tensors, NCCL CUDA tensors. A rank that stops makes the
others' next collective fail (at once when its process is gone, after the process
group's ``timeout`` when it hangs), raised as :class:`RankFailure`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["Collective", "RankFailure"]


class RankFailure(RuntimeError):
    """A collective of a distributed fit failed: another rank stopped, hung past the
    process group's timeout, or reported a problem at start-up."""


def _dist():
    import torch.distributed as dist

    return dist


class Collective:
    """Sums and start-up checks over one process group.

    Parameters
    ----------
    group : torch.distributed.ProcessGroup, optional
        None: the default group.

    Raises
    ------
    RuntimeError
        If torch.distributed is unavailable or no process group is initialised.
    """

    def __init__(self, group: Any = None) -> None:
        dist = _dist()
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError(
                "distributed=True needs an initialised torch.distributed process group "
                "(torch.distributed.init_process_group(...), e.g. in a script started by "
                "torchrun); none is initialised in this process."
            )
        self.group = group
        self.rank = dist.get_rank(group)
        self.world = dist.get_world_size(group)
        self.backend = str(dist.get_backend(group))
        self.root = 0 if group is None else dist.get_global_rank(group, 0)

    def _fail(self, what: str, exc: BaseException) -> RankFailure:
        return RankFailure(
            f"distributed fit, rank {self.rank} of {self.world}: {what} failed: another "
            f"rank stopped or did not answer within the process group's timeout "
            f"({type(exc).__name__}: {exc})"
        )

    def sum_(self, values: Any, what: str) -> None:
        """Sum ``values`` (a tensor or a numpy array) over the ranks, in place."""
        tensor = torch.from_numpy(values) if isinstance(values, np.ndarray) else values
        try:
            _dist().all_reduce(tensor, group=self.group)
        except Exception as exc:
            raise self._fail(f"the all-reduce of {what}", exc) from exc

    def broadcast_(self, tensor: torch.Tensor, what: str) -> None:
        """Replace ``tensor`` by rank 0's, in place."""
        try:
            _dist().broadcast(tensor, src=self.root, group=self.group)
        except Exception as exc:
            raise self._fail(f"the broadcast of {what}", exc) from exc

    def gather(self, tensor: torch.Tensor, what: str) -> list[torch.Tensor]:
        """Every rank's ``tensor`` (same shape on every rank), in rank order."""
        parts = [torch.empty_like(tensor) for _ in range(self.world)]
        try:
            _dist().all_gather(parts, tensor, group=self.group)
        except Exception as exc:
            raise self._fail(f"the gathering of {what}", exc) from exc
        return parts

    def agree(self, settings: dict[str, str], problem: str | None) -> None:
        """Start-up check: every rank has the same ``settings`` and none has a problem.

        Parameters
        ----------
        settings : dict of str
            Setting name → value as text.
        problem : str or None
            This rank's own problem (bad shard, ...), reported to every rank.

        Raises
        ------
        RankFailure
            Naming the first setting that differs (with each rank's value), or the ranks
            that reported a problem.
        """
        mine = {"settings": settings, "problem": problem}
        every: list[Any] = [None] * self.world
        try:
            _dist().all_gather_object(every, mine, group=self.group)
        except Exception as exc:
            raise self._fail("the start-up check of the map settings", exc) from exc
        problems = [f"rank {r}: {item['problem']}" for r, item in enumerate(every)
                    if item["problem"]]
        if problems:
            raise RankFailure("distributed fit cannot start; " + "; ".join(problems))
        for name in sorted(set().union(*(item["settings"] for item in every))):
            values = [item["settings"].get(name) for item in every]
            if len(set(values)) > 1:
                shown = ", ".join(f"rank {r}: {v}" for r, v in enumerate(values))
                raise RankFailure(
                    f"distributed fit cannot start: the ranks' maps differ in the setting "
                    f"{name!r} ({shown}); every rank must build the same map."
                )
