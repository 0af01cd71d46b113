"""Per-epoch errors, whole or chunk by chunk."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom._engine.tally import ErrorTally
from torchsom.functional.metrics import EpochErrors
from torchsom.topology.coordinates import adjacency_threshold, grid_positions

ROWS, COLS = grid_positions(4, 5, "rectangular")
POSITIONS = torch.stack((ROWS.reshape(-1), COLS.reshape(-1)), 1)
GEN = torch.Generator().manual_seed(0)
DISTANCE = torch.rand(90, generator=GEN)
BEST = torch.randint(0, 20, (90, 2), generator=GEN)


def _errors() -> EpochErrors:
    return EpochErrors(POSITIONS, adjacency_threshold("rectangular"))


def test_chunks_add_up_to_the_whole_epoch() -> None:
    whole = ErrorTally(_errors(), grouped=True, device=torch.device("cpu"))
    chunked = ErrorTally(_errors(), grouped=False, device=torch.device("cpu"))
    whole.add(DISTANCE, BEST)
    whole.close(True)
    for part in range(3):
        chunked.add(DISTANCE[part * 30 : (part + 1) * 30], BEST[part * 30 : (part + 1) * 30])
    chunked.close(True)
    (q_whole,), (t_whole,) = whole.result()
    (q_chunk,), (t_chunk,) = chunked.result()
    assert q_chunk == pytest.approx(q_whole, rel=1e-6) and t_chunk == pytest.approx(t_whole)
    assert chunked.latest() == (q_chunk, t_chunk) and whole.latest()[0] == q_whole


def test_one_neuron_maps_have_no_topographic_error_and_reduce_is_called() -> None:
    calls = []

    def reduce(values, what):
        calls.append(what)
        values *= 2  # two identical workers

    tally = ErrorTally(_errors(), grouped=False, device=torch.device("cpu"), reduce=reduce)
    tally.add(DISTANCE, BEST[:, :1])
    tally.close(False)
    (quantization,), (topographic,) = tally.result()
    assert quantization == pytest.approx(float(DISTANCE.double().mean()))
    assert math.isnan(topographic) and calls == ["the epoch's errors"]


def test_prior_epochs_come_first_and_the_open_epoch_is_kept() -> None:
    tally = ErrorTally(_errors(), grouped=False, device=torch.device("cpu"))
    tally.prior = ([9.0], [1.0])
    tally.add(DISTANCE, BEST)
    saved = tally.state()
    fresh = ErrorTally(_errors(), grouped=False, device=torch.device("cpu"))
    fresh.prior = ([9.0], [1.0])
    fresh.load_state(saved, torch.device("cpu"))
    for each in (tally, fresh):
        each.close(True)
    assert tally.result() == fresh.result() and tally.result()[0][0] == 9.0
    assert ErrorTally(_errors(), True, torch.device("cpu")).result() == ([], [])
    empty = ErrorTally(_errors(), False, torch.device("cpu"))
    assert empty.state() is None
    empty.close(True)
    assert empty.result() == ([0.0], [0.0])
