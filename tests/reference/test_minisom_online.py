"""The online rule against MiniSom 2.3.6's ``train`` (its sample-by-sample rule).

Set-up (the mapping is documented in COMPATIBILITY.md):

* same initial codebook, copied into both maps;
* same sample order: ours shuffles each epoch with the map's generator; the test replays
  those permutations and hands MiniSom the concatenated epochs, which ``train(data,
  len(data))`` (``random_order=False``, ``use_epochs=False``) then visits in order, one
  step per sample;
* same schedule: MiniSom evaluates its decay functions at step ``t`` with ``max_iter`` the
  number of steps; ours at step ``t`` with ``max_iter = epochs × n_samples``, which is the
  same number here;
* MiniSom works in float64; ours does the same in a float64 map (``som.double()``); a
  float32 map agrees to float32 rounding.

MiniSom's gaussian is ``exp(-Δx²/2σ²)·exp(-Δy²/2σ²)`` over its neuron coordinates: the
same function of the grid distance as ours, on both grids (its hexagonal grid is ours
transposed, see test_minisom_reference.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

minisom = pytest.importorskip("minisom")

from torchsom import SOM  # noqa: E402

DECAYS = {  # ours → MiniSom's name for the same function
    "asymptotic_decay": "asymptotic_decay",
    "lr_linear_decay_to_zero": "linear_decay_to_zero",
    "lr_inverse_decay_to_zero": "inverse_decay_to_zero",
    "sig_inverse_decay_to_one": "inverse_decay_to_one",
    "sig_linear_decay_to_one": "linear_decay_to_one",
}


def _compare(x, y, topology, dtype, epochs=3, n=150, features=4, lr_decay="asymptotic_decay",
             sigma_decay="asymptotic_decay", sigma=1.5, learning_rate=0.5):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((n, features))
    init = rng.standard_normal((x, y, features))
    som = SOM(x, y, features, epochs=epochs, algorithm="online", topology=topology,
              sigma=sigma, learning_rate=learning_rate, lr_decay_function=lr_decay,
              sigma_decay_function=sigma_decay, device="cpu").to(dtype)
    som.weights.data.copy_(torch.from_numpy(init))
    replay = torch.Generator()
    replay.set_state(som._generator.get_state())
    orders = [torch.randperm(n, generator=replay).numpy() for _ in range(epochs)]
    som.fit(torch.from_numpy(data).to(dtype), verbose=False)

    visits = np.concatenate([data[order] for order in orders])
    shape = (x, y) if topology == "rectangular" else (y, x)
    ref = minisom.MiniSom(*shape, features, sigma=sigma, learning_rate=learning_rate,
                          topology=topology, decay_function=DECAYS[lr_decay],
                          sigma_decay_function=DECAYS[sigma_decay])
    ref._weights = init.copy() if topology == "rectangular" else init.transpose(1, 0, 2).copy()
    ref.train(visits, len(visits))
    expected = ref._weights if topology == "rectangular" else ref._weights.transpose(1, 0, 2)
    trained = som.weights.detach().double().numpy()
    assert np.abs(trained - init).max() > 0.1  # training moved the map
    return np.abs(trained - expected).max()


@pytest.mark.parametrize(("x", "y", "topology"), [(6, 5, "rectangular"),
                                                  (7, 4, "hexagonal")])
def test_online_rule_matches_minisom_train(x, y, topology):
    assert _compare(x, y, topology, torch.float64) < 1e-5


@pytest.mark.parametrize(("lr_decay", "sigma_decay"), [
    ("lr_linear_decay_to_zero", "sig_inverse_decay_to_one"),
    ("lr_inverse_decay_to_zero", "sig_linear_decay_to_one"),
])
def test_online_rule_matches_minisom_with_other_decays(lr_decay, sigma_decay):
    assert _compare(6, 5, "rectangular", torch.float64, lr_decay=lr_decay,
                    sigma_decay=sigma_decay, sigma=2.0) < 1e-5


def test_float32_map_matches_minisom_to_float32_rounding():
    assert _compare(8, 6, "rectangular", torch.float32, n=300, features=10, sigma=2.5) < 1e-5
