"""The checked inputs the quality measures share (functional/measure_inputs.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom.exceptions import InvalidParameterError
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.measure_inputs import (
    best_units,
    checked_codebook,
    checked_samples,
    grid_of,
)


def test_checked_codebook_flattens_and_detaches() -> None:
    weights = torch.rand(2, 3, 4, requires_grad=True)
    codebook = checked_codebook(weights, "qe")
    assert codebook.shape == (6, 4) and not codebook.requires_grad
    with pytest.raises(ValueError, match=r"\(x, y, num_features\); got \(6, 4\)"):
        checked_codebook(torch.rand(6, 4), "qe")
    with pytest.raises(ValueError, match=r"\(x, y, num_features\); got <class 'list'>"):
        checked_codebook([[[0.0]]], "qe")
    with pytest.raises(ValueError, match="topographic_error needs a map with at least 2"):
        checked_codebook(torch.rand(1, 1, 2), "topographic_error", 2)


def test_checked_samples_takes_the_codebook_dtype_and_feature_count() -> None:
    weights = torch.rand(2, 2, 3, dtype=torch.float64)
    samples = checked_samples(np.zeros((5, 3), dtype=np.float32), weights)
    assert samples.dtype == torch.float64 and samples.shape == (5, 3)
    with pytest.raises(ValueError, match="3 features"):
        checked_samples(np.zeros((5, 2)), weights)


def test_grid_of_gives_positions_and_periods() -> None:
    weights = torch.rand(4, 3, 2)
    positions, periods = grid_of(weights, "rectangular", False, torch.float64)
    assert positions.shape == (12, 2) and periods is None
    assert positions[5].tolist() == [1.0, 2.0]
    _, wrapped = grid_of(weights, "hexagonal", True, torch.float32)
    assert wrapped is not None and wrapped[1] == 3.0
    with pytest.raises(InvalidParameterError, match="even number of rows"):
        grid_of(torch.rand(3, 3, 2), "hexagonal", True, torch.float32)


def test_best_units_uses_the_given_search_or_the_exact_one() -> None:
    codebook = torch.tensor([[0.0], [1.0], [5.0]])
    samples = torch.tensor([[0.9], [4.0]])
    distances, units = best_units(samples, codebook, euclidean_cross, 2)
    assert units.tolist() == [[1, 0], [2, 1]]
    assert distances[:, 0].tolist() == pytest.approx([0.1, 1.0])
    calls = []

    def fixed(data, k):
        calls.append(k)
        return torch.zeros(data.shape[0], k), torch.zeros(data.shape[0], k, dtype=torch.long)

    _, chosen = best_units(samples, codebook, euclidean_cross, 1, fixed)
    assert calls == [1] and chosen.tolist() == [[0], [0]]
