"""Random and PCA initialisation of the codebook."""

from __future__ import annotations

import math

import pytest
import torch

from torchsom.functional import initialization
from torchsom.functional.initialization import initialize_weights, pca_init, random_init


def test_functional_initialize_weights() -> None:
    data = torch.randn(30, 3, generator=torch.Generator().manual_seed(0))
    template = torch.zeros(4, 5, 3)
    pca = initialization.initialize_weights(template, data, mode="pca", topology="hexagonal")
    assert pca.shape == (4, 5, 3) and pca.dtype == torch.float32
    # float64 reference: the principal axes and standard deviations of the data
    centred = data.double() - data.double().mean(0)
    _, singular, axes = torch.linalg.svd(centred, full_matrices=False)
    stds = singular[:2] / math.sqrt(len(data) - 1)
    offsets = pca.double().reshape(-1, 3) - data.double().mean(0)
    along = offsets @ axes[:2].T  # (20, 2): coordinates on the first two components
    # the codebook lies in the principal plane, centred on the mean ...
    torch.testing.assert_close(along @ axes[:2], offsets, atol=1e-5, rtol=0)
    # ... and spans ±√3 standard deviations along each axis (the 5 columns of the 4×5
    # hexagonal grid are its longer side, so they follow the first component)
    spans = along.abs().amax(0)
    torch.testing.assert_close(spans, math.sqrt(3) * stds, atol=1e-5, rtol=1e-5)
    assert float(along[:, 0].reshape(4, 5).std(0).max()) < 0.4 * float(stds[0])  # rows ⟂ PC1
    random = initialization.initialize_weights(template, data, mode="random")
    assert random.shape == (4, 5, 3)
    # every random neuron is one of the samples
    assert all(bool((data == w).all(1).any()) for w in random.reshape(-1, 3))
    with pytest.raises(ValueError, match="PCA initialization needs at least 2 features"):
        initialization.initialize_weights(template[..., :1], data[:, :1], mode="pca")
    with pytest.raises(ValueError, match=r"^mode='kmeans' is not valid; only 'random' or "
                       r"'pca' are allowed\.$"):
        initialization.initialize_weights(template, data, mode="kmeans")


def test_random_init_copies_samples_with_the_generator() -> None:
    data = torch.arange(20.0).reshape(10, 2)
    a = random_init(data, 2, 3, torch.Generator().manual_seed(5))
    b = random_init(data, 2, 3, torch.Generator().manual_seed(5))
    assert a.shape == (2, 3, 2) and torch.equal(a, b)
    rows = {tuple(r) for r in data.tolist()}
    assert all(tuple(v) in rows for v in a.reshape(-1, 2).tolist())


def test_pca_init_spans_each_axis_by_its_own_std() -> None:
    # data on a known plane: first axis std 3 along e0, second std 1 along e1
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 2, generator=gen)
    z = (z - z.mean(0)) / z.std(0)
    data = torch.zeros(4000, 3)
    data[:, 0] = 3 * z[:, 0] + 5.0
    data[:, 1] = z[:, 1]
    codebook = pca_init(data, 3, 2)  # 3 rows (longer axis) × 2 cols
    assert codebook.shape == (3, 2, 3)
    corners = codebook[[0, 2], 0, 0]
    root3 = math.sqrt(3)
    assert sorted(corners.tolist()) == pytest.approx([5 - 3 * root3, 5 + 3 * root3], abs=0.1)
    assert codebook[1, [0, 1], 1].abs().tolist() == pytest.approx([root3, root3], abs=0.05)
    assert torch.allclose(codebook[1, :, 0], torch.full((2,), 5.0), atol=0.05)


def test_pca_init_hexagonal_rows_stay_straight_and_monotone() -> None:
    gen = torch.Generator().manual_seed(1)
    data = torch.randn(500, 3, generator=gen) * torch.tensor([4.0, 2.0, 0.1])
    codebook = pca_init(data, 6, 4, "hexagonal")
    first = codebook[..., 0]  # the longer (row) axis follows the first component
    assert (first[1:] - first[:-1]).sign().abs().sum() > 0
    diffs = first[1:, 0] - first[:-1, 0]
    assert bool((diffs > 0).all() or (diffs < 0).all())


def test_initialize_weights_function_errors() -> None:
    weights = torch.zeros(2, 2, 1)
    with pytest.raises(ValueError, match="at least 2 features"):
        initialize_weights(weights, torch.zeros(5, 1), "pca")
    with pytest.raises(ValueError, match="only 'random' or 'pca'"):
        initialize_weights(weights, torch.zeros(5, 1), "grid")
    assert initialize_weights(weights, torch.ones(5, 1), "random").shape == (2, 2, 1)
