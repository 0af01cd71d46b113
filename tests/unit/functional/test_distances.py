"""Distance functions by hand: to the grid codebook, pairwise, and user functions
adapted to flat codebooks."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.functional.distances import (
    DISTANCE_FUNCTIONS,
    PAIRWISE_DISTANCE_FUNCTIONS,
    cross_distance_for,
)

CODEBOOK = torch.tensor([[[0.0, 0.0], [1.0, 0.0]], [[0.0, 2.0], [-3.0, -4.0]]])  # (2, 2, 2)


SAMPLE = torch.tensor([[1.0, 1.0]])


R2 = 1 / math.sqrt(2)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("euclidean", [[math.sqrt(2), 1.0], [math.sqrt(2), math.sqrt(41)]]),
        ("manhattan", [[2.0, 1.0], [2.0, 9.0]]),
        ("chebyshev", [[1.0, 1.0], [1.0, 5.0]]),
        # cos(1,1 ; 1,0) = 1/√2; cos(1,1 ; 0,2) = 1/√2; cos(1,1 ; -3,-4) = -7/(5√2)
        ("cosine", [[1.0, 1 - R2], [1 - R2, 1 + 7 / (5 * math.sqrt(2))]]),
    ],
)
def test_distance_functions_by_hand(name: str, expected: list[list[float]]) -> None:
    out = DISTANCE_FUNCTIONS[name](SAMPLE, CODEBOOK)
    assert out.shape == (1, 2, 2)
    assert torch.allclose(out[0], torch.tensor(expected), atol=1e-6)


def test_cosine_is_not_clipped() -> None:
    out = DISTANCE_FUNCTIONS["cosine"](torch.tensor([[1.0, 0.0]]), torch.tensor([[[-1.0, 0.0]]]))
    assert float(out) == pytest.approx(2.0)


def test_pairwise_distances_by_hand() -> None:
    a = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    b = torch.tensor([[3.0, 4.0], [1.0, -1.0]])
    assert PAIRWISE_DISTANCE_FUNCTIONS["euclidean"](a, b).tolist() == pytest.approx([5.0, 2.0])
    assert PAIRWISE_DISTANCE_FUNCTIONS["manhattan"](a, b).tolist() == pytest.approx([7.0, 2.0])
    assert PAIRWISE_DISTANCE_FUNCTIONS["chebyshev"](a, b).tolist() == pytest.approx([4.0, 2.0])
    assert PAIRWISE_DISTANCE_FUNCTIONS["cosine"](a[1:], b[1:]).tolist() == pytest.approx([1.0])


def test_user_distance_is_adapted_to_flat_codebooks() -> None:
    def l1(data: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return (data[:, None, None, :] - weights[None]).abs().sum(-1)

    cross = cross_distance_for(l1)
    flat = CODEBOOK.reshape(4, 2)
    assert torch.allclose(cross(SAMPLE, flat), torch.tensor([[2.0, 1.0, 2.0, 9.0]]))


def test_single_sample_distance_keeps_grid_shape() -> None:
    assert DISTANCE_FUNCTIONS["euclidean"](SAMPLE[0], CODEBOOK).shape == (2, 2)
