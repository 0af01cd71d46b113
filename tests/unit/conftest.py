"""SOMs shared by the unit tests: hand-made codebooks (maps, retrieval, the 1.x map
builders) and a briefly trained map (clustering)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from torchsom import SOM


def _make_som(x: int, y: int, codebook, topology: str = "rectangular", pbc: bool = False,
              neighborhood_order: int = 1, **kwargs) -> SOM:
    weights = torch.as_tensor(codebook, dtype=torch.float32)
    som = SOM(x, y, weights.shape[-1], topology=topology, pbc=pbc,
              neighborhood_order=neighborhood_order, device="cpu",
              search_backend=kwargs.pop("search_backend", "torch"), **kwargs)
    som.weights.data[...] = weights
    return som


def _ramp_som(x: int = 3, y: int = 3, **kwargs) -> SOM:
    values = torch.arange(x * y, dtype=torch.float32).reshape(x, y, 1)
    return _make_som(x, y, values, **kwargs)


@pytest.fixture()
def make_som() -> Callable[..., SOM]:
    """Factory: a SOM whose codebook is exactly ``codebook`` (shape (x, y, F))."""
    return _make_som


@pytest.fixture()
def ramp_som() -> Callable[..., SOM]:
    """Factory: one feature, neuron (r, c) holds 3r + c (for a 3-column grid)."""
    return _ramp_som


@pytest.fixture()
def corners_som() -> SOM:
    """2x2 map with codebook at the corners of a 10x10 square, and no pbc."""
    return _make_som(2, 2, [[[0.0, 0.0], [0.0, 10.0]], [[10.0, 0.0], [10.0, 10.0]]])


@pytest.fixture()
def corners_data() -> torch.Tensor:
    """Five samples whose BMUs on ``corners_som`` are (0,0),(1,0),(0,0),(1,1),(0,1)."""
    return torch.tensor([[0.0, 1.0], [9.0, 0.0], [0.5, 0.0], [10.0, 9.0], [1.0, 9.0]])


@pytest.fixture(scope="module")
def trained_som() -> SOM:
    """A 6×5 map trained briefly on three separated groups (4 features)."""
    gen = torch.Generator().manual_seed(0)
    centres = torch.tensor([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    data = torch.cat([c + 0.2 * torch.randn(30, 4, generator=gen) for c in centres])
    som = SOM(x=6, y=5, num_features=4, epochs=15, batch_size=8, sigma=1.5,
              initialization_mode="pca", random_seed=0, device="cpu")
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    return som
