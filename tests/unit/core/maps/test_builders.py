"""One builder per map type, called directly on a hand-made 2x2 map.

corners_data's BMUs are neurons 0, 2, 0, 3, 1 (flat), so neuron 0 holds samples 0 and 2.
"""

from __future__ import annotations

import pytest
import torch

from torchsom.core.maps.builders import (
    MAP_FUNCTIONS,
    build_bmus_data_map,
    build_classification_map,
    build_distance_map,
    build_hit_map,
    build_metric_map,
    build_rank_map,
    build_score_map,
)
from torchsom.core.maps.dispatch import MAP_TYPES
from torchsom.exceptions import TorchSOMWarning

TARGET = torch.tensor([1.0, 4.0, 3.0, 8.0, 6.0])


def test_every_map_type_has_one_builder() -> None:
    assert set(MAP_FUNCTIONS) == set(MAP_TYPES)


def test_hit_map_from_data_or_from_a_bmus_map(corners_som, corners_data) -> None:
    expected = torch.tensor([[2.0, 1.0], [1.0, 1.0]])
    assert torch.equal(build_hit_map(corners_som, corners_data, batch_size=1), expected)
    index_form = build_bmus_data_map(corners_som, corners_data, return_indices=True)
    assert torch.equal(build_hit_map(corners_som, bmus_data_map=index_form), expected)


def test_distance_map_of_a_square_is_uniform(corners_som) -> None:
    # every neuron has the other three as neighbours: distances 10, 10, 10·√2
    assert torch.allclose(build_distance_map(corners_som), torch.ones(2, 2))
    with pytest.raises(ValueError, match="scaling should be either 'sum' or 'mean'"):
        build_distance_map(corners_som, scaling="max")


def test_metric_map_keeps_the_targets_dtype_exactly(corners_som, corners_data) -> None:
    mean = build_metric_map(corners_som, TARGET, data=corners_data)
    assert mean.dtype == torch.float32
    assert mean.tolist() == [[2.0, 6.0], [4.0, 8.0]]
    big = torch.tensor([2**40 + 1, 0, 2**40 + 1, 0, 0])
    top = build_metric_map(corners_som, big, data=corners_data, reduction_parameter="max")
    assert top.dtype == torch.float64 and int(top[0, 0]) == 2**40 + 1
    with pytest.raises(ValueError, match="exactly only up to 2\\*\\*53"):
        build_metric_map(corners_som, torch.tensor([2**60, 0, 0, 0, 0]), data=corners_data)


def test_score_and_rank_maps(corners_som, corners_data) -> None:
    score = build_score_map(corners_som, TARGET, data=corners_data)
    # neuron 0: std of [1, 3] = √2, n = 2, N = 5  →  √2 / √2 · ln(5 / 2)
    assert float(score[0, 0]) == pytest.approx(float(torch.log(torch.tensor(2.5))), rel=1e-6)
    assert float(score[0, 1]) == pytest.approx(1e-8)  # one sample: the floor
    with pytest.raises(ValueError, match="at least the number of mapped samples"):
        build_score_map(corners_som, TARGET, data=corners_data, total_samples=3)
    rank = build_rank_map(corners_som, TARGET, data=corners_data)
    assert rank[0, 0] == 1.0  # the only neuron with a spread


def test_classification_warns_about_a_continuous_target(corners_som) -> None:
    data = torch.rand(60, 2, generator=torch.Generator().manual_seed(0)) * 10
    labels = torch.arange(60)
    with pytest.warns(TorchSOMWarning, match="60 distinct values among 60 samples"):
        build_classification_map(corners_som, labels, data=data)
    few = build_classification_map(corners_som, labels % 2, data=data)
    assert few.dtype == torch.float64 and set(few.flatten().tolist()) <= {0.0, 1.0}
