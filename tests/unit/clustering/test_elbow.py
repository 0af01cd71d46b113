"""The elbow analysis of a codebook: the inertia curve, its bend, and its errors."""

from __future__ import annotations

import pytest
import torch

from torchsom.clustering import elbow_analysis
from torchsom.exceptions import InvalidParameterError


def _three_groups() -> torch.Tensor:
    """A 3×4 codebook whose neurons sit at three far-apart points (4 neurons each)."""
    points = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    rows = points.repeat_interleave(4, dim=0)
    rows = rows + 0.01 * torch.arange(12, dtype=torch.float32).reshape(12, 1)
    return rows.reshape(3, 4, 2)


def test_elbow_of_three_groups_is_three() -> None:
    weights = _three_groups()
    result = elbow_analysis(weights, "rectangular", max_k=6)
    assert result["k_values"] == [1, 2, 3, 4, 5, 6]
    assert result["elbow"] == 3
    assert result["feature_space"] == "weights"
    flat = weights.reshape(-1, 2).double()
    total = float(((flat - flat.mean(0)) ** 2).sum())
    assert result["inertia"][0] == pytest.approx(total)
    assert result["inertia"][2] < 1e-2 * total  # three clusters explain nearly everything


def test_max_k_is_clipped_to_one_less_than_the_neurons() -> None:
    result = elbow_analysis(_three_groups(), "hexagonal", max_k=50, feature_space="combined")
    assert result["k_values"] == list(range(1, 12))


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"feature_space": "pixels"}, ValueError, "feature_space='pixels' is not valid"),
    ({"max_k": "a"}, InvalidParameterError, "max_k must be an int >= 1"),
    ({"max_k": 1}, ValueError, "max_k >= 2"),
])
def test_bad_arguments_are_named(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        elbow_analysis(_three_groups(), "rectangular", **kwargs)


def test_a_map_of_two_neurons_has_no_elbow() -> None:
    with pytest.raises(ValueError, match="at least 3 neurons; got max_k=10 on 2 neurons"):
        elbow_analysis(torch.zeros(1, 2, 3), "rectangular")
