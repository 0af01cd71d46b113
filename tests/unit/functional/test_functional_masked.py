"""Kernels for data with missing values, against float64 references written from the
definitions: a sample is compared with a neuron on its observed features,
``d²(x, w) = F / F_obs · Σ_f m_f (x_f − w_f)²``, and moves a neuron on those only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom.functional.masked import (
    fill_with_mean,
    masked_distances,
    masked_minibatch_update,
    masked_sample_terms,
    masked_scores,
    masked_stage,
    masked_topk_bmus,
    observed_mean,
    refresh_squares,
)

NAN = float("nan")
GEN = torch.Generator().manual_seed(12)
M, F, N = 9, 4, 6


def _case() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Samples with holes (every row keeps a feature), a codebook and a centre."""
    samples = torch.randn(M, F, generator=GEN, dtype=torch.float64) + 2.0
    holes = torch.rand(M, F, generator=GEN) < 0.35
    holes[:, 0] = False
    samples[holes] = NAN
    codebook = torch.randn(N, F, generator=GEN, dtype=torch.float64) + 2.0
    return samples, codebook, codebook.mean(0)


def _observed_sq(samples: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Σ_f m_f (x_f − w_f)², float64, (m, n)."""
    x, w = samples.double(), codebook.double()
    diff = torch.where(torch.isnan(x)[:, None, :], 0.0, x[:, None, :] - w[None])
    return (diff * diff).sum(-1)


def _scale(samples: torch.Tensor) -> torch.Tensor:
    return samples.shape[1] / (~torch.isnan(samples)).sum(1).double()


def test_observed_mean_is_accumulated_in_float64() -> None:
    column = torch.tensor([1e8, 1.0, 1.0, 1.0, NAN], dtype=torch.float32)
    points = torch.stack((column, torch.full((5,), NAN)), 1)
    expected = np.nanmean(column.double().numpy())
    assert observed_mean(points).tolist() == [np.float32(expected), 0.0]
    assert observed_mean(points).dtype == torch.float32


def test_fill_with_mean_fills_only_the_holes() -> None:
    points = torch.tensor([[1.0, NAN], [3.0, 4.0], [NAN, 8.0]])
    assert fill_with_mean(points).tolist() == [[1.0, 6.0], [3.0, 4.0], [2.0, 8.0]]
    assert torch.isnan(points).sum() == 2  # the input is left alone


@pytest.mark.parametrize("factor", [1.0, -2.0])
def test_stage_and_sample_terms(factor: float) -> None:
    samples, _, centre = _case()
    staged = masked_stage(samples, centre, factor)
    observed = ~torch.isnan(samples)
    shifted = torch.where(observed, samples - centre, 0.0)
    torch.testing.assert_close(staged, factor * torch.cat((shifted, observed.double()), 1))
    terms = masked_sample_terms(samples, centre)
    torch.testing.assert_close(terms[:, 0], (shifted * shifted).sum(1))
    torch.testing.assert_close(terms[:, 1], _scale(samples))


@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_scores_plus_the_sample_term_are_the_observed_squared_distances(library: str) -> None:
    samples, codebook, centre = _case()
    staged = masked_stage(samples, centre, -2.0)
    stack = torch.cat(((codebook - centre).T, torch.empty(F, N, dtype=torch.float64)))
    out = torch.empty(M, N, dtype=torch.float64)
    if library == "numpy":
        staged, stack, out = staged.numpy(), stack.numpy(), out.numpy()
    refresh_squares(stack)
    bottom = torch.as_tensor(stack[F:])
    torch.testing.assert_close(bottom, -((codebook - centre).T ** 2) / 2)
    scores = torch.as_tensor(masked_scores(staged, stack, out))
    terms = masked_sample_terms(samples, centre)
    torch.testing.assert_close(scores + terms[:, :1], _observed_sq(samples, codebook))
    best = scores.min(1).values.clone()
    if library == "numpy":
        dist = torch.as_tensor(masked_distances(best.numpy(), terms.numpy()))
    else:
        dist = masked_distances(best, terms)
    expected = (_observed_sq(samples, codebook).min(1).values * _scale(samples)).sqrt()
    torch.testing.assert_close(dist, expected)


@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_update_moves_only_the_observed_features(library: str) -> None:
    samples, codebook, centre = _case()
    rows = torch.rand(M, N, generator=GEN, dtype=torch.float64) * 0.1  # lr / b included
    # reference: w_f ← w_f + Σ_k h_k m_kf (x_kf − w_f), all from the weights before the step
    observed = ~torch.isnan(samples)
    filled = torch.nan_to_num(samples)
    step = torch.zeros_like(codebook)
    for k in range(M):
        step += rows[k][:, None] * observed[k] * (filled[k] - codebook)
    expected = codebook + step
    # the rules store [f·x̃ | f·m] and rows scaled by 1/f, and the codebook centred
    factor = -2.0
    staged = masked_stage(samples, centre, factor)
    codebook_t = (codebook - centre).T.contiguous()
    arrays = [codebook_t, staged, rows / factor, torch.empty(2 * F, N, dtype=torch.float64)]
    if library == "numpy":
        arrays = [a.numpy() for a in arrays]
    masked_minibatch_update(*arrays)
    result = torch.as_tensor(np.asarray(arrays[0])).T + centre
    torch.testing.assert_close(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("prefer_numpy", [True, False])
def test_topk_search_matches_brute_force(k: int, prefer_numpy: bool) -> None:
    samples, codebook, _ = _case()
    data, weights = samples.float(), codebook.float()
    dist, idx = masked_topk_bmus(data, weights, k=k, chunk_size=4, prefer_numpy=prefer_numpy)
    found = _observed_sq(data, weights) * _scale(data)[:, None]
    expected = found.topk(k, dim=1, largest=False)
    assert torch.equal(idx, expected.indices)
    torch.testing.assert_close(dist.double(), expected.values.sqrt(), rtol=1e-5, atol=1e-5)


def test_topk_ties_go_to_the_lowest_index() -> None:
    codebook = torch.tensor([[0.0, 5.0], [0.0, -5.0], [3.0, 0.0]])
    data = torch.tensor([[0.0, NAN], [3.0, NAN]])  # feature 1 missing: neurons 0 and 1 tie
    dist, idx = masked_topk_bmus(data, codebook, k=2)
    assert idx.tolist() == [[0, 1], [2, 0]]
    # distances rescaled by F / F_obs = 2: √(2·0) and √(2·9)
    torch.testing.assert_close(dist[:, 0], torch.tensor([0.0, 0.0]))
    torch.testing.assert_close(dist[1, 1], torch.tensor(float(np.sqrt(2 * 9.0))))
