"""The calculate_* adapters of earlier releases (_compat/metrics.py) forward to the one
implementation of each measure."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom._compat import metrics as compat_metrics
from torchsom.clustering import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
    topological_quality,
)
from torchsom.exceptions import TorchSOMWarning
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.utils.metrics import (
    calculate_calinski_harabasz_score,
    calculate_clustering_metrics,
    calculate_davies_bouldin_score,
    calculate_quantization_error,
    calculate_silhouette_score,
    calculate_topographic_error,
    calculate_topological_clustering_quality,
)


@pytest.fixture(scope="module")
def three_groups() -> tuple[torch.Tensor, torch.Tensor]:
    """120 points in 3 tight, far-apart groups of 40 (2 features) and their 1-based ids."""
    gen = torch.Generator().manual_seed(3)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = torch.cat([c + 0.3 * torch.randn(40, 2, generator=gen) for c in centres])
    return points, torch.arange(1, 4).repeat_interleave(40)


def test_the_old_module_path_is_the_adapter_module() -> None:
    import torchsom.utils as utils

    for name in compat_metrics.__all__:
        assert getattr(utils, name) is getattr(compat_metrics, name), name


def test_compat_names(three_groups) -> None:
    points, labels = three_groups
    assert calculate_silhouette_score(points, labels) == silhouette_score(points, labels)
    assert calculate_davies_bouldin_score(points, labels) == davies_bouldin_score(points,
                                                                                  labels)
    assert calculate_calinski_harabasz_score(points, labels) == calinski_harabasz_score(
        points, labels)

    class Grid:
        x, y, topology, pbc = 10, 12, "rectangular", False

    assert calculate_topological_clustering_quality(Grid(), labels) == topological_quality(
        labels, 10, 12)
    assert calculate_clustering_metrics(points, labels, som=Grid())["n_clusters"] == 3


def test_calculate_quantization_error() -> None:
    weights = torch.zeros(2, 2, 2)
    weights[0, 0] = torch.tensor([1.0, 1.0])
    data = torch.tensor([[1.0, 1.0], [0.0, 3.0]])
    qe = calculate_quantization_error(data, weights, DISTANCE_FUNCTIONS["euclidean"])
    assert qe == pytest.approx(5**0.5 / 2)  # (0 + |(0,3) - (1,1)|) / 2


def test_calculate_topographic_error_rectangular_and_hexagonal() -> None:
    weights = torch.full((3, 3, 1), 100.0)
    weights[0, 0], weights[1, 1], weights[2, 2] = 0.0, 0.1, 0.05
    data = torch.tensor([[0.0]])
    fn = DISTANCE_FUNCTIONS["euclidean"]
    # best (0,0), second (2,2): two rows away
    assert calculate_topographic_error(data, weights, fn) == 1.0
    weights[2, 2] = 100.0
    # second best (1,1) is a diagonal neighbour on a rectangular grid
    assert calculate_topographic_error(data, weights, fn) == 0.0
    # on an odd-r hexagonal grid (1,1) does not touch (0,0)
    assert calculate_topographic_error(data, weights, fn, topology="hexagonal") == 1.0
    weights[1, 1] = 100.0
    weights[0, 2] = 0.1
    assert calculate_topographic_error(data, weights, fn, pbc=True) == 0.0


def test_calculate_topographic_error_on_one_neuron() -> None:
    with pytest.warns(TorchSOMWarning, match="1-by-1"):
        value = calculate_topographic_error(torch.rand(3, 2), torch.rand(1, 1, 2),
                                            DISTANCE_FUNCTIONS["euclidean"])
    assert math.isnan(value)
