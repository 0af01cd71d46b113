"""The private SOM helpers of earlier releases (_compat/som_methods.py), reached through
their old method names."""

from __future__ import annotations

import math

import torch

from torchsom import SOM
from torchsom._compat import som_methods


def test_minibatch_update_by_hand_on_2x2() -> None:
    som = SOM(x=2, y=2, num_features=1, sigma=1.0, device="cpu")
    som.weights.data = torch.tensor([[[0.0], [1.0]], [[2.0], [3.0]]])
    data = torch.tensor([[0.5]])
    som._update_weights(data, torch.tensor([[0, 0]]), learning_rate=0.5, sigma=1.0)
    h = torch.tensor([1.0, math.exp(-0.5), math.exp(-0.5), math.exp(-1.0)])
    start = torch.tensor([0.0, 1.0, 2.0, 3.0])
    expected = start + 0.5 * h * (0.5 - start)
    assert torch.allclose(som.weights.detach().reshape(-1), expected, atol=1e-6)
    rows = som._vectorized_neighborhood(torch.tensor([0]), 1.0)
    assert rows.shape == (1, 2, 2) and torch.allclose(rows.reshape(-1), h)


def test_the_methods_forward_to_the_adapters() -> None:
    som = SOM(x=3, y=2, num_features=2, sigma=0.8, device="cpu")
    rows = som._vectorized_neighborhood(torch.tensor([0, 5]), 0.8)
    assert torch.equal(rows, som_methods.vectorized_neighborhood(som, [0, 5], 0.8))
    assert rows.shape == (2, 3, 2) and float(rows[0, 0, 0]) == 1.0 == float(rows[1, 2, 1])
    before = som.weights.detach().clone()
    som._update_weights(torch.zeros(2, 2), torch.tensor([[0, 0], [2, 1]]), 0.1, 0.8)
    assert not torch.equal(som.weights.detach(), before)
