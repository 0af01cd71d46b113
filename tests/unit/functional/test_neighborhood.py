"""Neighbourhood kernels: values by hand, the separable form, the 1.x call form."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.functional.neighborhood import (
    NEIGHBORHOOD_FUNCTIONS,
    elementwise,
    gaussian_axis_factor,
    is_separable,
)


def test_gaussian_axis_factor_matches_the_kernel() -> None:
    delta = torch.linspace(-3, 3, 13)
    full = NEIGHBORHOOD_FUNCTIONS["gaussian"](delta * delta, 1.3)
    assert torch.allclose(gaussian_axis_factor(delta, 1.3), full)


def test_neighborhood_old_call_form() -> None:
    table = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    out = NEIGHBORHOOD_FUNCTIONS["bubble"](table, torch.tensor([1]), 1.0, 1, 2)
    assert out.shape == (1, 1, 2) and out.tolist() == [[[1.0, 1.0]]]
    with pytest.raises(TypeError, match=r"takes \(dist_sq, sigma\)"):
        NEIGHBORHOOD_FUNCTIONS["bubble"](table, 1, 2)


def test_compat_neighborhood_module() -> None:
    from torchsom.utils import neighborhood

    assert neighborhood.NEIGHBORHOOD_FUNCTIONS is NEIGHBORHOOD_FUNCTIONS


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
