"""Checkpoints: their content, when they are written, and resuming from them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import torchsom._engine.sources as sources
from torchsom import SOM, io
from torchsom._engine.checkpoint import STATE_KEY, Checkpointer, FitState, check_resumable
from torchsom.exceptions import InvalidParameterError

F = 4
DATA = torch.randn(400, F, generator=torch.Generator().manual_seed(0))


def _som(**settings) -> SOM:
    values = dict(x=5, y=4, num_features=F, epochs=4, batch_size=10, random_seed=1,
                  device="cpu")
    values.update(settings)
    return SOM(**values)


def _state(**changes) -> FitState:
    values = dict(settings={"x": "5"}, source={"kind": "data", "n_samples": 400},
                  pass_index=2, chunks_done=3, epoch=2, seen=30, quantization=[1.5, float("nan")],
                  topographic=[10.0, 5.0], generators=[torch.Generator().get_state()],
                  rule={"sums": torch.ones(3, 2)}, center=torch.arange(2.0),
                  errors=torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    values.update(changes)
    return FitState(**values)


def test_state_round_trips_through_a_map_file(tmp_path) -> None:
    som, state = _som(), _state()
    metadata, tensors = state.entries()
    io.save_som(som, tmp_path / "c.som", extra_metadata=metadata, extra_tensors=tensors)
    meta, stored = io.read_entries(tmp_path / "c.som")
    back = FitState.from_entries("c.som", meta, stored)
    assert (back.pass_index, back.chunks_done, back.epoch, back.seen) == (2, 3, 2, 30)
    assert back.quantization[0] == 1.5 and np.isnan(back.quantization[1])
    assert torch.equal(back.rule["sums"], torch.ones(3, 2))
    assert torch.equal(back.generators[0], state.generators[0])
    assert torch.equal(back.center, state.center) and torch.equal(back.errors, state.errors)
    loaded = SOM.load(tmp_path / "c.som")  # still an ordinary map file
    assert torch.equal(loaded.weights, som.weights)


def test_extra_entries_cannot_replace_the_standard_ones(tmp_path) -> None:
    som = _som()
    with pytest.raises(ValueError, match="weights"):
        io.save_som(som, tmp_path / "c.som", extra_tensors={"weights": torch.zeros(1)})
    with pytest.raises(ValueError, match="config"):
        io.save_som(som, tmp_path / "c.som", extra_metadata={"config": "{}"})
    assert not (tmp_path / "c.som").exists()


def test_a_saved_map_or_a_damaged_state_is_not_a_checkpoint(tmp_path) -> None:
    som = _som()
    som.save(tmp_path / "plain.som")
    with pytest.raises(ValueError, match="is a saved map, not a checkpoint"):
        som.fit(DATA, verbose=False, resume=tmp_path / "plain.som")
    metadata, tensors = _state().entries()
    position = json.loads(metadata[STATE_KEY])
    del position["epoch"]
    with pytest.raises(ValueError, match="damaged"):
        FitState.from_entries("x", {STATE_KEY: json.dumps(position)}, tensors)


def test_check_resumable_names_what_differs() -> None:
    state = _state(settings={"sigma": "1.0", "x": "5"})
    source = {"kind": "data", "n_samples": 400}
    check_resumable(state, {"sigma": "1.0", "x": "5"}, source, 1, "c")
    with pytest.raises(ValueError, match="sigma=1.0, this map has sigma=2.0"):
        check_resumable(state, {"sigma": "2.0", "x": "5"}, source, 1, "c")
    with pytest.raises(ValueError, match="1 rank"):
        check_resumable(state, state.settings, source, 2, "c")
    with pytest.raises(ValueError, match="n_samples=400.*n_samples=300"):
        check_resumable(state, state.settings, {"kind": "data", "n_samples": 300}, 1, "c")


def test_checkpointer_counts_chunks_and_only_rank_zero_writes() -> None:
    written = []
    keeper = Checkpointer("p", 2, lambda path, state: written.append(path))
    assert [keeper.chunk_due() for _ in range(3)] == [False, True, True]
    keeper.save(_state())
    assert not keeper.chunk_due() and written == ["p"]
    Checkpointer("p", None, lambda path, state: written.append(path), rank=1).save(_state())
    assert written == ["p"]
    assert not Checkpointer("p", None, lambda *a: None).chunk_due()


def test_fit_writes_a_loadable_checkpoint_with_the_history_so_far(tmp_path) -> None:
    path = tmp_path / "c.som"
    som = _som(epochs=3)
    q_list, _ = som.fit(DATA, verbose=False, checkpoint=path)
    loaded = SOM.load(path)
    assert torch.equal(loaded.weights, som.weights)
    assert loaded.quantization_errors_ == q_list and loaded.epochs_trained_ == 3
    again = _som(epochs=3)  # resuming a finished fit returns its result
    assert again.fit(DATA, verbose=False, resume=path)[0] == q_list
    assert torch.equal(again.weights, som.weights)


class Stop(Exception):
    """Stands for a crash in the middle of a fit."""


def _interrupting(data, at: int):
    """A re-iterable source of ``data`` in 40-row batches that raises at batch ``at``
    (counted over all passes), once."""
    batches = list(torch.split(data, 40))
    count = {"n": 0}

    def factory():
        for batch in batches:
            count["n"] += 1
            if count["n"] == at:
                raise Stop
            yield batch

    return factory, (lambda: iter(batches))


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize("kind", ["memmap", "callable", "memory"])
def test_resume_after_an_interruption_equals_the_uninterrupted_fit(tmp_path, monkeypatch,
                                                                   algorithm, kind) -> None:
    """Interrupted mid-pass (streams, checkpoint_every=3 chunks: the memmap's shuffled
    blocks are drawn again, the batch rule's partial sums restored) or between epochs
    (in-memory data), then resumed by a new map: the same codebook and history."""
    path = tmp_path / "data.npy"
    np.save(path, DATA.numpy())
    monkeypatch.setattr(sources, "BLOCK_BYTES", 50 * F * 4)  # 50-row blocks
    checkpoint = tmp_path / "c.som"
    crashing, plain = _interrupting(DATA, at=25)  # pass 2, chunk 4
    data = {"memmap": lambda: np.load(path, mmap_mode="r"), "callable": lambda: plain,
            "memory": lambda: DATA}[kind]
    reference = _som(algorithm=algorithm)
    reference.fit(data(), verbose=False)
    interrupted = _som(algorithm=algorithm)
    if kind == "callable":
        with pytest.raises(Stop):
            interrupted.fit(crashing, verbose=False, checkpoint=checkpoint, checkpoint_every=3)
    elif kind == "memmap":  # 8 blocks a pass: the 13th read is pass 1, block 4
        real_checked, reads = sources.ArraySource._checked, {"n": 0}

        def crash_on_read(self, raw, index, start):
            reads["n"] += 1
            if reads["n"] == 13:
                raise Stop
            return real_checked(self, raw, index, start)

        monkeypatch.setattr(sources.ArraySource, "_checked", crash_on_read)
        with pytest.raises(Stop):
            interrupted.fit(data(), verbose=False, checkpoint=checkpoint, checkpoint_every=3)
        monkeypatch.setattr(sources.ArraySource, "_checked", real_checked)
    else:
        calls = {"n": 0}
        real_plan = interrupted._fit_plan

        def plan_crashing_in_third_epoch(*args, **kwargs):
            plan = real_plan(*args, **kwargs)
            real_schedule = plan.schedule

            def schedule(epoch):
                calls["n"] += 1
                if calls["n"] == 3:
                    raise Stop
                return real_schedule(epoch)

            plan.schedule = schedule
            return plan

        # the settings stay as built (they are re-checked at fit and at every save)
        interrupted._fit_plan = plan_crashing_in_third_epoch
        with pytest.raises(Stop):
            interrupted.fit(data(), verbose=False, checkpoint=checkpoint, checkpoint_every=3)
    position = json.loads(io.read_entries(checkpoint)[0][STATE_KEY])
    expected = {"callable": (2, 3), "memmap": (1, 3), "memory": (2, 0)}[kind]
    assert (position["pass"], position["chunks_done"]) == expected
    resumed = _som(algorithm=algorithm, random_seed=99)  # its own state is replaced
    q_list, t_list = resumed.fit(data(), verbose=False, resume=checkpoint)
    assert torch.equal(resumed.weights, reference.weights)
    assert q_list == reference.quantization_errors_ and t_list == reference.topographic_errors_
    assert torch.equal(resumed._generator.get_state(), reference._generator.get_state())


def test_resume_options(tmp_path) -> None:
    path = tmp_path / "c.som"
    som = _som(epochs=2)
    som.fit(DATA, verbose=False, checkpoint=path, resume=True)  # no file yet: starts
    assert path.exists()
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        som.fit(DATA, verbose=False, resume=tmp_path / "missing.som")
    with pytest.raises(ValueError, match="resume=True resumes from checkpoint"):
        som.fit(DATA, verbose=False, resume=True)
    with pytest.raises(ValueError, match="checkpoint_every needs checkpoint"):
        som.fit(DATA, verbose=False, checkpoint_every=2)
    with pytest.raises(ValueError, match="checkpoint_every"):
        som.fit(DATA, verbose=False, checkpoint=path, checkpoint_every=0)
    with pytest.raises(TypeError, match="checkpoint must be a file path"):
        som.fit(DATA, verbose=False, checkpoint=3)
    with pytest.raises(TypeError, match="distributed must be True or False"):
        som.fit(DATA, verbose=False, distributed="yes")
    with pytest.raises(ValueError, match="sigma=1.0, this map has sigma=2.0"):
        _som(epochs=2, sigma=2.0).fit(DATA, verbose=False, resume=path)
    with pytest.raises(ValueError, match="n_samples=400.*n_samples=300"):
        _som(epochs=2).fit(DATA[:300], verbose=False, resume=path)


def test_a_map_with_a_custom_callable_cannot_be_checkpointed(tmp_path) -> None:
    som = _som(neighborhood_function=lambda d, s: torch.exp(-d / s))
    before = som.weights.clone()
    with pytest.raises(InvalidParameterError, match="custom callable"):
        som.fit(DATA, verbose=False, checkpoint=tmp_path / "c.som")
    assert torch.equal(som.weights, before)
