"""The scripted mini-batch epoch computes exactly what the plain loop computes."""

from __future__ import annotations

import torch

from torchsom import SOM
from torchsom.functional import training


def _train(monkeypatch, scripted: bool) -> tuple[torch.Tensor, list[float], list[float]]:
    if not scripted:
        monkeypatch.setattr(training, "scripted_minibatch_epoch", lambda *a, **k: None)
    data = torch.randn(203, 4, generator=torch.Generator().manual_seed(3))
    som = SOM(x=7, y=5, num_features=4, epochs=80, batch_size=16, sigma=2.0, random_seed=1,
              device="cpu")
    som.initialize_weights(data, mode="pca")
    q, t = som.fit(data, verbose=False)
    monkeypatch.undo()
    return som.weights.detach().clone(), q, t


def test_scripted_epoch_matches_plain_loop(monkeypatch) -> None:
    used = []
    real = training.scripted_minibatch_epoch

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(training, "scripted_minibatch_epoch", spy)
    w_script, q_script, t_script = _train(monkeypatch, scripted=True)
    assert used and all(used), "the scripted path did not run"
    w_plain, q_plain, t_plain = _train(monkeypatch, scripted=False)
    assert torch.allclose(w_script, w_plain, atol=1e-6)
    assert t_script == t_plain
    assert all(abs(a - b) < 1e-5 for a, b in zip(q_script, q_plain))
