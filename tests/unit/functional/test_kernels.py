"""Hand-computed distances, neighbourhoods and decay schedules."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.functional.decay import DECAY_FUNCTIONS, LR_DECAY_FUNCTIONS, SIGMA_DECAY_FUNCTIONS
from torchsom.functional.distances import (
    DISTANCE_FUNCTIONS,
    PAIRWISE_DISTANCE_FUNCTIONS,
    cross_distance_for,
)
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS, elementwise, is_separable

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


D2 = torch.tensor([0.0, 1.0, 4.0, 9.0, 16.0])  # d = 0..4


@pytest.mark.parametrize(
    "name,expected",
    [
        ("gaussian", [math.exp(-d * d / 2) for d in range(5)]),
        ("mexican_hat", [1.0, 0.4549, 0.0, -0.01389, -0.001006]),
        ("bubble", [1.0, 1.0, 0.0, 0.0, 0.0]),
        ("triangle", [1.0, 0.0, 0.0, 0.0, 0.0]),
    ],
)
def test_neighborhood_kernels_at_sigma_one(name: str, expected: list[float]) -> None:
    out = NEIGHBORHOOD_FUNCTIONS[name](D2, 1.0)
    assert out.tolist() == pytest.approx(expected, abs=2e-4)


def test_triangle_at_sigma_two() -> None:
    out = NEIGHBORHOOD_FUNCTIONS["triangle"](D2, 2.0)
    assert out.tolist() == pytest.approx([1.0, 0.5, 0.0, 0.0, 0.0])


def test_neighborhood_legacy_five_argument_form() -> None:
    table = torch.tensor([[0.0, 1.0, 1.0, 2.0], [1.0, 0.0, 2.0, 1.0],
                          [1.0, 2.0, 0.0, 1.0], [2.0, 1.0, 1.0, 0.0]])
    out = NEIGHBORHOOD_FUNCTIONS["gaussian"](table, torch.tensor([3]), 1.0, 2, 2)
    assert out.shape == (1, 2, 2)
    assert float(out[0, 1, 1]) == 1.0
    assert float(out[0, 0, 0]) == pytest.approx(math.exp(-1.0))
    with pytest.raises(TypeError, match="takes"):
        NEIGHBORHOOD_FUNCTIONS["gaussian"](table, 1.0, 2)


def test_only_gaussian_is_separable() -> None:
    assert is_separable(NEIGHBORHOOD_FUNCTIONS["gaussian"])
    assert not is_separable(NEIGHBORHOOD_FUNCTIONS["bubble"])

    def custom(d2: torch.Tensor, sigma: float) -> torch.Tensor:
        return torch.ones_like(d2)

    assert elementwise(custom) is custom and not is_separable(custom)


def _schedule(fn, v0: float, epochs: int = 10) -> list[float]:
    return [fn(v0, t, epochs) for t in range(epochs)]


def test_decay_reference_values() -> None:
    assert _schedule(DECAY_FUNCTIONS["asymptotic_decay"], 0.5)[:5] == pytest.approx(
        [0.5, 0.4167, 0.3571, 0.3125, 0.2778], abs=1e-4
    )
    assert _schedule(DECAY_FUNCTIONS["asymptotic_decay"], 2.0)[-1] == pytest.approx(0.7143, 1e-3)
    assert _schedule(SIGMA_DECAY_FUNCTIONS["sig_inverse_decay_to_one"], 2.0) == pytest.approx(
        [2, 1.818, 1.667, 1.538, 1.429, 1.333, 1.25, 1.176, 1.111, 1.053], abs=1e-3
    )
    assert _schedule(SIGMA_DECAY_FUNCTIONS["sig_linear_decay_to_one"], 2.0) == pytest.approx(
        [2.0 - 0.1 * t for t in range(10)]
    )
    assert _schedule(LR_DECAY_FUNCTIONS["lr_linear_decay_to_zero"], 1.0)[-1] == pytest.approx(0.1)
    inverse = _schedule(LR_DECAY_FUNCTIONS["lr_inverse_decay_to_zero"], 0.5)
    assert inverse[:3] == pytest.approx([0.5, 0.5 * 0.1 / 1.1, 0.5 * 0.1 / 2.1])


def test_legacy_decay_union_holds_both_families() -> None:
    assert set(DECAY_FUNCTIONS) == set(LR_DECAY_FUNCTIONS) | set(SIGMA_DECAY_FUNCTIONS)
    assert len(DECAY_FUNCTIONS) == 5
    with pytest.raises(TypeError):
        DECAY_FUNCTIONS["new"] = lambda v, t, T: v  # type: ignore[index]
