"""QE and TE are each computed by one function (functional/metrics.py); every public form
reduces through it and gives the same value on the same search."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom import SOM
from torchsom.functional import metrics, quality
from torchsom.functional.distances import DISTANCE_FUNCTIONS, euclidean_cross
from torchsom.functional.metrics import (
    EpochErrors,
    quantization_error_from_bmus,
    topographic_error_from_bmus,
)
from torchsom.topology.coordinates import adjacency_threshold, grid_periods, grid_positions
from torchsom.utils import calculate_quantization_error, calculate_topographic_error


def _positions(x: int, y: int, topology: str) -> torch.Tensor:
    rows, cols = grid_positions(x, y, topology)
    return torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)


def test_topographic_error_from_bmus_by_hand() -> None:
    positions = _positions(3, 3, "rectangular")
    threshold = adjacency_threshold("rectangular")
    best = torch.tensor([[0, 4], [0, 8], [0, 2], [6, 8]])  # diagonal, far, far, far
    assert float(topographic_error_from_bmus(best, positions, threshold)) == 0.75
    wrapped = topographic_error_from_bmus(best, positions, threshold, grid_periods(3, 3,
                                                                                 "rectangular"))
    assert float(wrapped) == 0.0  # on a 3×3 torus every pair touches


def test_groups_reduce_separately_and_one_neuron_gives_nan() -> None:
    positions = _positions(3, 3, "hexagonal")
    threshold = adjacency_threshold("hexagonal")
    best = torch.tensor([[[0, 1], [0, 4]], [[0, 3], [4, 5]]])  # (2 groups, 2 samples, 2)
    per_group = topographic_error_from_bmus(best, positions, threshold)
    assert per_group.shape == (2,)
    # odd-r: (0,0)-(0,1) touch, (0,0)-(1,1) do not; (0,0)-(1,0) touch, (1,1)-(1,2) touch
    assert per_group.tolist() == [0.5, 0.0]
    lone = topographic_error_from_bmus(torch.zeros(5, 1, dtype=torch.long), positions[:1],
                                       threshold)
    assert lone.shape == () and math.isnan(float(lone))


def test_quantization_error_from_bmus_reads_the_first_column() -> None:
    distances = torch.tensor([[1.0, 5.0], [3.0, 4.0]])
    assert float(quantization_error_from_bmus(distances)) == 2.0


@pytest.mark.parametrize("topology,pbc", [("rectangular", False), ("rectangular", True),
                                          ("hexagonal", False), ("hexagonal", True)])
def test_every_public_form_gives_the_same_errors(topology: str, pbc: bool) -> None:
    gen = torch.Generator().manual_seed(4)
    data = torch.randn(150, 3, generator=gen)
    som = SOM(6, 4, 3, epochs=2, sigma=1.5, topology=topology, pbc=pbc, random_seed=0,
              device="cpu", search_backend="torch")
    som.fit(data, verbose=False)
    weights = som.weights.detach()
    codebook = weights.reshape(-1, 3)
    positions = _positions(6, 4, topology)
    periods = grid_periods(6, 4, topology) if pbc else None
    threshold = adjacency_threshold(topology)
    euclidean = DISTANCE_FUNCTIONS["euclidean"]

    te = [
        som.topographic_error(data),
        som.evaluate(data)["topographic_error"],
        float(quality.topographic_error(data, weights, topology, pbc)),
        float(metrics.topographic_error(data, codebook, euclidean_cross, positions,
                                        threshold, periods)),
        calculate_topographic_error(data, weights, euclidean, topology, pbc),
    ]
    assert 0.0 < te[0] < 1.0
    assert te == pytest.approx([te[0]] * len(te))
    qe = [
        som.quantization_error(data),
        som.evaluate(data)["quantization_error"],
        float(quality.quantization_error(data, weights)),
        float(metrics.quantization_error(data, codebook, euclidean_cross)),
        calculate_quantization_error(data, weights, euclidean),
    ]
    assert qe == pytest.approx([qe[0]] * len(qe), rel=1e-6)
    errors = EpochErrors(positions, threshold, periods)
    _, best = som._best_units(data, 2)
    errors.add(torch.zeros(150), best)
    assert errors.result()[1][0] == pytest.approx(100 * te[0])
