"""Edge cases of the map inputs, and the compatibility builders in torchsom.utils.maps."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.core.mapping import bmu_assignment
from torchsom.functional import maps as F
from torchsom.functional.members import match_rows

NAN = math.nan


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


def test_kernels_on_empty_assignments():
    empty = torch.empty(0, dtype=torch.long)
    values = torch.empty(0)
    for reduction in F.METRIC_REDUCTIONS:
        assert torch.isnan(F.metric_map(values, empty, 3, reduction)).all()
    assert torch.isnan(F.classification_map(values, empty, 3, torch.empty(3, 0,
                                                                          dtype=torch.long))).all()
    assert torch.isnan(F.rank_map(values, empty, 3)).all()
    assert F.hit_map(empty, 3).tolist() == [0.0, 0.0, 0.0]
    assert F.dedupe_neighbors(torch.empty(3, 0, dtype=torch.long)).shape == (3, 0)
    with pytest.raises(ValueError, match="reduction='mode'"):
        F.metric_map(values, empty, 3, "mode")
    found, owner = match_rows(torch.zeros(2, 2), torch.empty(0, 2), empty)
    assert found.numel() == owner.numel() == 0


def test_match_rows_returns_every_identical_data_row():
    data = torch.tensor([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [9.0, 9.0]])
    found, owner = match_rows(data, torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
                              torch.tensor([7, 5]))
    assert found.tolist() == [0, 1, 2] and owner.tolist() == [7, 5, 7]


def test_compat_builders_forward_to_build_map(corners_som, corners_data):
    from torchsom.utils import maps as legacy

    target = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    bmus = legacy.build_bmus_data_map(corners_som, corners_data, return_indices=True)
    assert bmus == corners_som.build_map("bmus_data", data=corners_data, return_indices=True)
    assert torch.equal(legacy.build_hit_map(corners_som, corners_data),
                       corners_som.build_map("hit", data=corners_data))
    assert torch.equal(legacy.build_distance_map(corners_som, scaling="mean"),
                       corners_som.build_map("distance", scaling="mean"))
    for name, kwargs in [("metric", {"reduction_parameter": "max"}), ("score", {}),
                         ("rank", {}), ("classification", {"neighborhood_order": 1})]:
        built = legacy.MAP_FUNCTIONS[name](corners_som, target, bmus, **kwargs)
        expected = corners_som.build_map(name, target=target, bmus_data_map=bmus, **kwargs)
        torch.testing.assert_close(built, expected, equal_nan=True)
    assert set(legacy.MAP_FUNCTIONS) == {"hit", "distance", "bmus_data", "metric", "score",
                                         "rank", "classification"}
