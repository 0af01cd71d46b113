"""The engine package's entry point for searches: search_bmus."""

from __future__ import annotations

import pytest
import torch

from torchsom._engine import search_bmus
from torchsom.functional.distances import CROSS_DISTANCE_FUNCTIONS, euclidean_cross

GEN = torch.Generator().manual_seed(4)
DATA = torch.randn(40, 3, generator=GEN)
CODEBOOK = torch.randn(12, 3, generator=GEN)


def _reference(data: torch.Tensor, codebook: torch.Tensor, k: int):
    """float64: distances over the observed features, rescaled by F / F_obs."""
    x, w = data.double(), codebook.double()
    observed = ~torch.isnan(x)
    diff = torch.where(observed[:, None, :], x[:, None, :] - w[None], 0.0)
    scale = x.shape[1] / observed.sum(1, keepdim=True).double()
    found = ((diff * diff).sum(-1) * scale).sqrt()
    return found.topk(k, dim=1, largest=False)


@pytest.mark.parametrize("name", sorted(CROSS_DISTANCE_FUNCTIONS))
@pytest.mark.parametrize("k", [1, 2])
def test_search_finds_the_nearest_units(name: str, k: int) -> None:
    cross = CROSS_DISTANCE_FUNCTIONS[name]
    dist, idx = search_bmus(DATA, CODEBOOK, cross, k=k)
    expected = cross(DATA.double(), CODEBOOK.double()).topk(k, dim=1, largest=False)
    assert torch.equal(idx, expected.indices)
    torch.testing.assert_close(dist.double(), expected.values, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k", [1, 2])
def test_missing_values_are_searched_on_the_observed_features(k: int) -> None:
    data = DATA.clone()
    data[::3, 1] = float("nan")
    data[1::5, 0] = float("nan")
    dist, idx = search_bmus(data, CODEBOOK, euclidean_cross, k=k, missing=True)
    expected = _reference(data, CODEBOOK, k)
    assert torch.equal(idx, expected.indices)
    torch.testing.assert_close(dist.double(), expected.values, rtol=1e-5, atol=1e-5)


def test_complete_data_with_missing_allowed_is_the_plain_search() -> None:
    plain = search_bmus(DATA, CODEBOOK, euclidean_cross, k=2)
    allowed = search_bmus(DATA, CODEBOOK, euclidean_cross, k=2, missing=True)
    assert torch.equal(plain[1], allowed[1]) and torch.equal(plain[0], allowed[0])


def test_missing_values_need_the_euclidean_distance() -> None:
    data = DATA.clone()
    data[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"^data with missing values \(NaN\) can only be "
                       r"searched with the euclidean distance\.$"):
        search_bmus(data, CODEBOOK, CROSS_DISTANCE_FUNCTIONS["manhattan"], missing=True)


def test_the_torch_thread_count_is_left_as_it_was() -> None:
    before = torch.get_num_threads()
    search_bmus(DATA, CODEBOOK, euclidean_cross, k=1)
    assert torch.get_num_threads() == before
