"""No hot tensor of a fit holds subnormal floats, whatever the CPU.

Subnormal operands are slow on some x86 cores (notably Intel's), so a
fit whose neighbourhood tail underflows into them runs several times slower there. The
check below looks at the values themselves, so it fails on any machine.
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits, make_blobs

import torchsom._engine.rules as rules
import torchsom.functional.smoothing as smoothing
from torchsom import SOM


def _subnormal_count(array) -> int:
    values = torch.as_tensor(array)
    tiny = torch.finfo(values.dtype).tiny
    return int(((values != 0) & (values.abs() < tiny)).sum())


@pytest.fixture()
def watch(monkeypatch):
    """Count subnormals in the neighbourhood rows, their products and the codebook at every
    mini-batch step, and in the statistics and tables of every batch-rule epoch."""
    found = {"count": 0, "checked": 0}
    real_update, real_smooth = rules.minibatch_update, smoothing.GridKernel.smooth

    def update(codebook_t, staged, rows, update, scratch=None):
        real_update(codebook_t, staged, rows, update, scratch)
        hot = (rows, update, codebook_t) + (() if scratch is None else (scratch,))
        found["count"] += sum(map(_subnormal_count, hot))
        found["checked"] += 1

    def smooth(self, values, chunk=2048):
        out = real_smooth(self, values, chunk)
        tables = (self.row_table, self.key_table) if self.separable else ()
        found["count"] += sum(map(_subnormal_count, (values, out, *tables)))
        found["checked"] += 1
        return out

    real_smoothed, real_apply = rules.smoothed_numerator, rules.apply_minibatch_update

    def smoothed(staged, best, row_table, key_table, sums, along_rows, out):
        real_smoothed(staged, best, row_table, key_table, sums, along_rows, out)
        hot = (row_table, key_table, along_rows, out)
        found["count"] += sum(map(_subnormal_count, hot))
        found["checked"] += 1
        found["smoothed"] = found.get("smoothed", 0) + 1

    def apply(codebook_t, update, scratch=None):
        real_apply(codebook_t, update, scratch)
        found["count"] += _subnormal_count(codebook_t)

    monkeypatch.setattr(rules, "minibatch_update", update)
    monkeypatch.setattr(rules, "smoothed_numerator", smoothed)
    monkeypatch.setattr(rules, "apply_minibatch_update", apply)
    monkeypatch.setattr(smoothing.GridKernel, "smooth", smooth)
    return found


def _tutorial_data() -> torch.Tensor:
    data, _ = make_blobs(n_samples=300, centers=3, n_features=4, random_state=42)
    return torch.tensor((data - data.mean(0)) / data.std(0), dtype=torch.float32)


def _digits() -> torch.Tensor:
    data = load_digits().data
    return torch.tensor((data - data.mean(0)) / (data.std(0) + 1e-9), dtype=torch.float32)


CASES = {
    "tutorial": (_tutorial_data, dict(x=25, y=15, epochs=100, batch_size=16, sigma=1.45,
                                      learning_rate=0.95)),
    "64-features": (_digits, dict(x=18, y=14, epochs=10, batch_size=16, sigma=1.45,
                                  learning_rate=0.95)),
    # batches of 256: the update through smoothed per-neuron sums (rectangular grids)
    "64-features-b256": (_digits, dict(x=18, y=14, epochs=10, batch_size=256, sigma=1.45,
                                       learning_rate=0.95)),
}


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_never_holds_subnormals(watch, case, topology, algorithm) -> None:
    make, settings = CASES[case]
    data = make()
    som = SOM(num_features=data.shape[1], topology=topology, algorithm=algorithm,
              random_seed=0, **settings)
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    assert watch["checked"] > 0
    assert watch["count"] == 0
    takes_smoothing = (case == "64-features-b256" and topology == "rectangular"
                       and algorithm == "minibatch")
    assert (watch.get("smoothed", 0) > 0) == takes_smoothing


def test_the_check_sees_subnormals_when_truncation_is_off(watch, monkeypatch) -> None:
    """Without the truncation the same fit does produce subnormals: the check has teeth."""
    monkeypatch.setattr(smoothing, "negligible_weight", lambda dtype: 0.0)
    make, settings = CASES["tutorial"]
    data = make()
    som = SOM(num_features=4, random_seed=0, **settings)
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    assert watch["count"] > 0


def test_truncation_bound_is_half_the_epsilon() -> None:
    assert smoothing.negligible_weight(torch.float32) == 2.0**-24
    assert smoothing.negligible_weight(torch.float64) == 2.0**-53
    weights = torch.tensor([1.0, 2.0**-24, 2.0**-25, -(2.0**-25), 1e-40])
    assert smoothing.drop_negligible(weights).tolist() == [1.0, 2.0**-24, 0.0, 0.0, 0.0]
