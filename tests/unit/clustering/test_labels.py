"""Labellings as the cluster measures read them (clustering/labels.py)."""

from __future__ import annotations

import numpy as np
import torch

from torchsom.clustering import labels as clustering_labels
from torchsom.clustering import noise_ratio


def test_noise_ratio() -> None:
    assert noise_ratio([1, -1, 2, -1]) == 0.5
    assert noise_ratio(torch.tensor([], dtype=torch.long)) == 0.0


def test_as_labels_flattens_any_input_to_int64_on_the_cpu() -> None:
    for given in ([[1, -1], [2, 3]], np.array([[1, -1], [2, 3]]), torch.tensor([[1., -1.],
                                                                             [2., 3.]])):
        out = clustering_labels.as_labels(given)
        assert out.dtype == torch.int64 and out.device.type == "cpu"
        assert out.tolist() == [1, -1, 2, 3]


def test_block_rows_bounds_a_block_to_block_entries(monkeypatch) -> None:
    monkeypatch.setattr(clustering_labels, "BLOCK", 1000)
    assert clustering_labels.block_rows(10) == 100
    assert clustering_labels.block_rows(5000) == 1  # at least one row
    assert clustering_labels.block_rows(0) == 1000
