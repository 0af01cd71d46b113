"""The mini-batch update, numpy and torch alike, against its definition in float64:
``W ← W + Σ_k H[k] (x_k − W)``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom.functional.update import (
    apply_minibatch_update,
    minibatch_numerator,
    minibatch_update,
    smoothed_numerator,
)

GEN = torch.Generator().manual_seed(8)
B, F, N = 5, 3, 7
SAMPLES = torch.randn(B, F, generator=GEN)
CODEBOOK = torch.randn(N, F, generator=GEN)
ROWS = torch.rand(B, N, generator=GEN) * 0.2  # neighbourhood rows, lr / b included


def _reference() -> torch.Tensor:
    """Sample by sample, in float64: every neuron moves towards every sample of the batch
    by its row's weight, all measured from the weights before the step."""
    w, x, h = CODEBOOK.double(), SAMPLES.double(), ROWS.double()
    step = torch.zeros_like(w)
    for k in range(B):
        step += h[k][:, None] * (x[k] - w)
    return w + step


def _staged(factor: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``[f·x | f]`` and the rows scaled by ``1/f``, as the training rules store them."""
    staged = torch.cat((SAMPLES * factor, torch.full((B, 1), factor)), dim=1)
    return staged, ROWS / factor


@pytest.mark.parametrize("library", ["numpy", "torch"])
@pytest.mark.parametrize("factor", [1.0, -2.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_one_step_matches_the_definition(library: str, factor: float, dtype) -> None:
    staged, rows = _staged(factor)
    codebook_t = CODEBOOK.T.contiguous().to(dtype)
    update = torch.empty(F + 1, N, dtype=dtype)
    arrays = [codebook_t, staged.to(dtype), rows.to(dtype), update]
    if library == "numpy":
        arrays = [a.numpy() for a in arrays]
    minibatch_update(*arrays)
    result = torch.as_tensor(np.asarray(arrays[0])).T.double()
    tolerance = 1e-12 if dtype == torch.float64 else 1e-6
    torch.testing.assert_close(result, _reference(), rtol=tolerance, atol=tolerance)


def test_numerators_of_two_workers_add_up_to_the_whole_batch() -> None:
    """Data-parallel training sums the products of the workers before applying them."""
    staged, rows = _staged(-2.0)
    whole = CODEBOOK.T.double().contiguous()
    minibatch_update(whole, staged.double(), rows.double(), torch.empty(F + 1, N).double())
    parts = [torch.empty(F + 1, N, dtype=torch.float64) for _ in range(2)]
    minibatch_numerator(staged[:2].double(), rows[:2].double(), parts[0])
    minibatch_numerator(staged[2:].double(), rows[2:].double(), parts[1])
    summed = CODEBOOK.T.double().contiguous()
    apply_minibatch_update(summed, parts[0] + parts[1])
    torch.testing.assert_close(summed, whole, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(summed.T, _reference(), rtol=1e-12, atol=1e-12)


def test_a_zero_row_leaves_its_neuron_in_place() -> None:
    staged, rows = _staged(1.0)
    rows = rows.clone()
    rows[:, 3] = 0.0
    codebook_t = CODEBOOK.T.contiguous().clone()
    minibatch_update(codebook_t, staged, rows, torch.empty(F + 1, N))
    assert torch.equal(codebook_t[:, 3], CODEBOOK[3])


# the second scales through torch, the third also adds in the same pass (addcmul)
@pytest.mark.parametrize("features, neurons", [(3, 7), (64, 300), (300, 250)])
def test_the_scratch_row_gives_the_same_step(features: int, neurons: int) -> None:
    """With a kept ``1 − ΣH`` row (numpy, no allocation) the step is the one without it."""
    gen = torch.Generator().manual_seed(3)
    samples = torch.randn(16, features, generator=gen, dtype=torch.float64)
    codebook = torch.randn(neurons, features, generator=gen, dtype=torch.float64)
    rows = torch.rand(16, neurons, generator=gen, dtype=torch.float64) * 0.05
    staged = torch.cat((samples, torch.ones(16, 1, dtype=torch.float64)), dim=1)
    expected = codebook + (rows.T @ samples - rows.sum(0)[:, None] * codebook)
    for scratch in (None, np.empty(neurons)):
        codebook_t = codebook.T.contiguous().numpy()
        minibatch_update(codebook_t, staged.numpy(), rows.numpy(),
                         np.empty((features + 1, neurons)), scratch)
        torch.testing.assert_close(torch.from_numpy(codebook_t).T, expected,
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("library", ["numpy", "torch"])
@pytest.mark.parametrize(("x", "y", "batch"), [(4, 5, 9), (1, 6, 3), (7, 1, 30)])
def test_smoothed_numerator_equals_the_product_with_the_rows(library, x, y, batch) -> None:
    """Separable rows ``R[r(bmu), r(n)]·K[c(bmu), c(n)]`` of symmetric axis tables: the
    per-neuron sums smoothed along each axis give the product ``stagedᵀ H`` (repeated
    units in the batch included), and the scratch sums are left zero."""
    gen = torch.Generator().manual_seed(3)
    n, width = x * y, 4
    staged = torch.randn(batch, width, generator=gen, dtype=torch.float64)
    best = torch.randint(0, n, (batch,), generator=gen)
    row_coord = torch.arange(x, dtype=torch.float64)
    key_coord = torch.arange(y, dtype=torch.float64)
    row_table = 0.3 * torch.exp(-(row_coord[:, None] - row_coord[None, :]) ** 2 / 3)
    key_table = torch.exp(-(key_coord[:, None] - key_coord[None, :]) ** 2 / 5)
    unit = torch.arange(n)
    rows = row_table[best // y][:, unit // y] * key_table[best % y][:, unit % y]  # (b, n)
    expected = staged.T @ rows
    arrays = [staged, best, row_table, key_table, torch.zeros(n, width, dtype=torch.float64),
              torch.empty(y * width, x, dtype=torch.float64),
              torch.empty(width, n, dtype=torch.float64)]
    if library == "numpy":
        arrays = [a.numpy() for a in arrays]
    smoothed_numerator(*arrays)
    update, sums = torch.as_tensor(arrays[-1]), torch.as_tensor(arrays[4])
    torch.testing.assert_close(update, expected)
    assert not sums.any()
