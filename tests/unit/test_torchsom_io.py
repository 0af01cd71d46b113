"""Saving and loading a SOM (torchsom/io.py): the corners the round-trip tests in
tests/reliability/test_io.py do not reach."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from torchsom import SOM
from torchsom import io as som_io


def test_save_refuses_non_floating_weights(tmp_path: Path) -> None:
    som = SOM(2, 2, 3, device="cpu")
    som.weights = torch.nn.Parameter(torch.zeros(2, 2, 3, dtype=torch.int32),
                                     requires_grad=False)
    with pytest.raises(ValueError, match=r"weights have dtype torch.int32"):
        som.save(tmp_path / "m.som")


def test_load_som_defaults_to_the_som_class(tmp_path: Path) -> None:
    som = SOM(2, 3, 3, device="cpu")
    som_io.save_som(som, tmp_path / "m.som")
    loaded = som_io.load_som(tmp_path / "m.som")
    assert type(loaded) is SOM and torch.equal(loaded.weights, som.weights)
    assert math.isclose(loaded.sigma, som.sigma)
