"""Checkpoints of a running fit: what they hold, when they are written, how they are read.

A checkpoint is an ordinary map file (:mod:`torchsom.io`: atomic write, checksum) whose
weights and history are the fit's so far, plus the position of the fit:

* metadata ``torchsom.fit_state`` (JSON): the map's training settings, the source (kind
  and samples per pass), the pass and the chunks of it already used, the schedule epoch
  and samples seen in it, the per-epoch errors of the fit so far, the number of ranks;
* tensors ``fit.generator.<rank>`` (each rank's generator state at the start of the pass,
  so the pass's shuffle is drawn again), ``fit.center`` (the reference point of the
  training coordinates), ``fit.rule.<name>`` (the rule's own state: the mini-batch rule's
  centred codebook, the batch rule's partial sums and counts) and ``fit.errors`` (the
  open epoch's error sums).

With these, a resumed fit replays the same arithmetic as an uninterrupted one and ends
with the same codebook. Checkpoints are written at the end of every epoch and, with
``checkpoint_every=k``, after every ``k`` chunks of a pass (a chunk is one batch of a
DataLoader or an iterable, one block of rows of a memmap, a whole epoch of in-memory
data). A distributed fit writes them at the end of each epoch only, from rank 0 (the path
must be on storage every rank can read to resume).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = ["FitState", "Checkpointer", "STATE_KEY", "check_resumable"]

STATE_KEY = "torchsom.fit_state"
_VERSION = 1


@dataclass
class FitState:
    """The position of a fit (see the module notes).

    Attributes
    ----------
    settings : dict of str
        The map's training settings, as text.
    source : dict
        ``kind`` and ``n_samples`` (per pass, or None).
    pass_index, chunks_done : int
        The pass in progress and how many of its chunks are used.
    epoch, seen : int
        Schedule epoch in progress and samples used in it.
    quantization, topographic : list of float
        Errors of the fit's completed epochs.
    generators : list of torch.Tensor
        Each rank's generator state at the start of pass ``pass_index``.
    rule : dict of torch.Tensor
        The rule's state.
    center : torch.Tensor or None
        Reference point, shape (F,).
    errors : torch.Tensor or None
        Open epoch's error sums, shape (3,).
    world : int
        Number of ranks.
    """

    settings: dict[str, str]
    source: dict[str, Any]
    pass_index: int
    chunks_done: int
    epoch: int
    seen: int
    quantization: list[float]
    topographic: list[float]
    generators: list[torch.Tensor]
    rule: dict[str, torch.Tensor] = field(default_factory=dict)
    center: torch.Tensor | None = None
    errors: torch.Tensor | None = None
    world: int = 1

    def entries(self) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
        """Metadata strings and tensors to store in a map file."""
        position = {
            "version": _VERSION, "settings": self.settings, "source": self.source,
            "pass": self.pass_index, "chunks_done": self.chunks_done, "epoch": self.epoch,
            "seen": self.seen, "world": self.world,
            "quantization": [_plain(v) for v in self.quantization],
            "topographic": [_plain(v) for v in self.topographic],
            "rule": sorted(self.rule),
        }
        tensors = {f"fit.generator.{r}": g.cpu() for r, g in enumerate(self.generators)}
        tensors.update({f"fit.rule.{name}": t.detach().cpu().contiguous()
                        for name, t in self.rule.items()})
        if self.center is not None:
            tensors["fit.center"] = self.center.detach().cpu().contiguous()
        if self.errors is not None:
            tensors["fit.errors"] = self.errors.detach().cpu()
        return {STATE_KEY: json.dumps(position, allow_nan=False)}, tensors

    @classmethod
    def from_entries(cls, path: Any, metadata: dict[str, str],
                     tensors: dict[str, torch.Tensor]) -> FitState:
        """Read the state back from a map file's entries.

        Raises
        ------
        ValueError
            If the file holds no fit state (a map saved by ``save``) or a damaged one.
        """
        text = metadata.get(STATE_KEY)
        if text is None:
            raise ValueError(f"resume: '{path}' is a saved map, not a checkpoint written by "
                             "fit(checkpoint=...); it holds no training position.")
        try:
            position = json.loads(text)
            world = int(position["world"])
            generators = [tensors[f"fit.generator.{r}"] for r in range(world)]
            rule = {name: tensors[f"fit.rule.{name}"] for name in position["rule"]}
            return cls(
                settings=dict(position["settings"]), source=dict(position["source"]),
                pass_index=int(position["pass"]), chunks_done=int(position["chunks_done"]),
                epoch=int(position["epoch"]), seen=int(position["seen"]),
                quantization=[_float(v) for v in position["quantization"]],
                topographic=[_float(v) for v in position["topographic"]],
                generators=generators, rule=rule, center=tensors.get("fit.center"),
                errors=tensors.get("fit.errors"), world=world,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"resume: the training position in '{path}' is damaged "
                             f"({type(exc).__name__}: {exc}).") from None


def _plain(value: float) -> float | None:
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def check_resumable(state: FitState, settings: dict[str, str], source: dict[str, Any],
                    world: int, path: Any) -> None:
    """Refuse to resume with another map, another source or another number of ranks.

    Raises
    ------
    ValueError
        Naming what differs.
    """
    for name in sorted(set(state.settings) | set(settings)):
        if state.settings.get(name) != settings.get(name):
            raise ValueError(
                f"resume: the checkpoint '{path}' was written by a map with {name}="
                f"{state.settings.get(name)}, this map has {name}={settings.get(name)}; "
                "resume with the map settings of the interrupted fit."
            )
    if state.world != world:
        raise ValueError(f"resume: the checkpoint '{path}' was written by a fit on "
                         f"{state.world} rank(s); this fit runs on {world}.")
    for key in ("kind", "n_samples"):
        if state.source.get(key) != source.get(key):
            raise ValueError(
                f"resume: the checkpoint '{path}' was written by a fit on a source with "
                f"{key}={state.source.get(key)!r}; this data has {key}="
                f"{source.get(key)!r}. Resume with the same data."
            )


class Checkpointer:
    """Decides when a fit writes its checkpoint and writes it.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    every : int or None
        Also write after every ``every`` chunks of a pass (None: at epoch ends only).
    write : callable
        ``write(path, state)``: stores the map with the state's entries (atomically).
    rank : int
        This process's rank (only rank 0 writes).
    """

    def __init__(self, path: str | os.PathLike[str], every: int | None,
                 write: Callable[[Any, FitState], None], rank: int = 0) -> None:
        self.path, self.every, self.write, self.rank = path, every, write, rank
        self._since = 0

    def chunk_due(self) -> bool:
        """Count one chunk; True when ``every`` chunks have passed since the last write."""
        self._since += 1
        return self.every is not None and self._since >= self.every

    def save(self, state: FitState) -> None:
        """Write ``state`` (rank 0 only)."""
        self._since = 0
        if self.rank == 0:
            self.write(self.path, state)
