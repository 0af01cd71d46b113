"""The shared-start check: per-epoch comparison, and the children on a tiny map."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import shared_start
from benchmarks.quality import quality


def test_compare_reports_difference_and_both_qualities() -> None:
    rng = np.random.default_rng(0)
    data = rng.standard_normal((50, 3)).astype(np.float32)
    first = rng.standard_normal((4, 3, 3)).astype(np.float32)
    second = first.copy()
    second[1, 2, 0] += 0.5
    rows = shared_start.compare({"epoch_0": first, "epoch_1": first},
                                {"epoch_0": first, "epoch_1": second}, data)
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[0]["max_weight_diff"] == 0.0
    assert rows[1]["max_weight_diff"] == pytest.approx(0.5)
    assert (rows[1]["ours_qe"], rows[1]["ours_te"]) == quality(data, first)
    assert (rows[1]["xpysom_qe"], rows[1]["xpysom_te"]) == quality(data, second)


def test_our_child_follows_the_full_schedule_from_the_start(tmp_path, monkeypatch) -> None:
    pytest.importorskip("torch")
    from benchmarks.runners import shared_start as child

    monkeypatch.setattr(child, "X", 3)
    monkeypatch.setattr(child, "Y", 2)
    rng = np.random.default_rng(1)
    data = rng.standard_normal((40, 2)).astype(np.float32)
    start = tmp_path / "start.npy"
    np.save(start, rng.standard_normal((3, 2, 2)).astype(np.float32))
    out = child.ours_epochs(data, str(start), 3)
    assert sorted(out) == ["epoch_0", "epoch_1", "epoch_2"]
    # the first epoch of a 3-epoch schedule is the whole of a 1-epoch fit (σ at t = 0)
    import torch

    from torchsom import SOM

    som = SOM(x=3, y=2, num_features=2, epochs=1, sigma=child.SIGMA, learning_rate=1.0,
              lr_decay_function=lambda v, t, T: v, algorithm="batch", random_seed=42)
    with torch.no_grad():
        som.weights.copy_(torch.from_numpy(np.load(start)))
    som.fit(torch.from_numpy(data), verbose=False)
    np.testing.assert_allclose(out["epoch_0"], som.weights.detach().numpy(), rtol=1e-6)
    assert not np.allclose(out["epoch_2"], out["epoch_0"])
