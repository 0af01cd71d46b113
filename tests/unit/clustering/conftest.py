"""Small deterministic data for the clustering tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def three_groups() -> tuple[torch.Tensor, torch.Tensor]:
    """120 points in 3 tight, far-apart groups of 40 (2 features) and their 1-based ids."""
    gen = torch.Generator().manual_seed(3)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = torch.cat([c + 0.3 * torch.randn(40, 2, generator=gen) for c in centres])
    return points, torch.arange(1, 4).repeat_interleave(40)


@pytest.fixture(scope="module")
def trained_som():
    """A 6×5 map trained briefly on three separated groups (4 features)."""
    from torchsom import SOM

    gen = torch.Generator().manual_seed(0)
    centres = torch.tensor([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    data = torch.cat([c + 0.2 * torch.randn(30, 4, generator=gen) for c in centres])
    som = SOM(x=6, y=5, num_features=4, epochs=15, batch_size=8, sigma=1.5,
              initialization_mode="pca", random_seed=0, device="cpu")
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    return som
