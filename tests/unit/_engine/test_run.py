"""The training run fed chunk by chunk (torchsom/_engine/run.py): epochs by sample count,
snapshots and rollbacks."""

from __future__ import annotations

import torch

from torchsom import SOM
from torchsom._engine.run import Run

F = 4
DATA = torch.randn(600, F, generator=torch.Generator().manual_seed(0))


def _som(**settings) -> SOM:
    values = dict(x=5, y=4, num_features=F, epochs=3, batch_size=16, random_seed=1,
                  device="cpu")
    values.update(settings)
    return SOM(**values)


def test_run_by_count_splits_a_chunk_at_the_epoch_boundary() -> None:
    """Feeding 150 samples in one call or as 100 + 50 gives the same run when epochs
    hold 100: the first call's chunk is cut at the boundary."""
    def run_of(som):
        plan = som._fit_plan()
        codebook = som.weights.detach().reshape(-1, F)
        return Run(plan, codebook, DATA.mean(0), som.batch_size,
                   epoch_size=lambda epoch: 100)

    whole, parts = _som(), _som()
    a, b = run_of(whole), run_of(parts)
    with a.context():
        a.feed(DATA[:150])
    with b.context():
        b.feed(DATA[:100])
        b.feed(DATA[100:150])
    assert a.epoch == b.epoch == 1 and a.seen == b.seen == 50
    assert torch.equal(a.rule.state()["codebook_t"], b.rule.state()["codebook_t"])
    assert a.tally.result() == b.tally.result()


def test_run_snapshot_restores_the_position() -> None:
    som = _som(algorithm="batch")
    run = Run(som._fit_plan(), som.weights.detach().reshape(-1, F), DATA.mean(0), 16,
              epoch_size=lambda epoch: 100)
    with run.context():
        run.feed(DATA[:60])
        snapshot = run.snapshot()
        sums = run.rule.state()["sums"].clone()
        run.feed(DATA[60:260])
        assert run.epoch == 2
        run.restore(snapshot)
    assert (run.epoch, run.seen, run.open) == (0, 60, True)
    assert torch.equal(run.rule.state()["sums"], sums)
    assert run.tally.result() == ([], [])


def test_in_memory_fit_stages_its_data_once(monkeypatch) -> None:
    """An in-memory fit stages its data in the first epoch only (later epochs gather it
    in their order), and the map is bit for bit the one staging every epoch gives."""
    import torchsom._engine.run as run_module
    from torchsom._engine.rules import MinibatchRule

    calls = {"count": 0}
    real_stage = MinibatchRule.stage

    def counting(self, samples, order=None):
        calls["count"] += 1
        return real_stage(self, samples, order)

    monkeypatch.setattr(MinibatchRule, "stage", counting)
    kept = _som(epochs=5)
    kept.fit(DATA, verbose=False)
    assert calls["count"] == 1

    monkeypatch.setattr(run_module, "_KEPT_STAGING", 0)  # stage every epoch
    calls["count"] = 0
    every = _som(epochs=5)
    every.fit(DATA, verbose=False)
    assert calls["count"] == 5
    assert torch.equal(kept.weights, every.weights)
    assert kept.quantization_errors_ == every.quantization_errors_
