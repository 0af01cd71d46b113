"""Edge cases of the map inputs: empty cells, bad rows and indices, a user distance."""

from __future__ import annotations

import pytest
import torch

from torchsom.core.mapping import bmu_assignment


def test_empty_values_are_skipped(corners_som, corners_data):
    samples, neurons = bmu_assignment(
        corners_som, {(0, 0): [], (0, 1): torch.empty(0, 2), (1, 1): [3]}, corners_data)
    assert samples.tolist() == [3] and neurons.tolist() == [3]


def test_bad_rows_and_indices_are_named(corners_som):
    with pytest.raises(ValueError, match=r"bmus_data_map\[\(0, 0\)\] holds data rows of shape"):
        bmu_assignment(corners_som, {(0, 0): torch.zeros(2, 3)})
    with pytest.raises(ValueError, match="negative sample index"):
        bmu_assignment(corners_som, {(0, 0): [-1]})
    with pytest.raises(ValueError, match="must be a list of sample indices or a 2-D tensor"):
        bmu_assignment(corners_som, {(0, 0): "abc"})


def test_u_matrix_accepts_a_pairwise_callable(ramp_som):
    som = ramp_som()
    umat = som.build_map("distance", distance_metric=lambda a, b: (a - b).abs().sum(-1) ** 2)
    # squared differences on the ramp: (0,0) sees 1, 9, 16 -> 26; centre 2*(16+9+4+1) = 60
    assert umat[0, 0] == pytest.approx(26 / 60) and umat[1, 1] == pytest.approx(1.0)
