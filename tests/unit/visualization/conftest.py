"""Small trained maps for the plotting tests; every figure is closed after each test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402


def _groups() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    centres = torch.tensor([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    data = torch.cat([c + 0.2 * torch.randn(20, 4, generator=gen) for c in centres])
    return data, torch.arange(3).repeat_interleave(20)


def _trained(topology: str):
    from torchsom import SOM

    data, _ = _groups()
    som = SOM(x=6, y=5, num_features=4, epochs=8, batch_size=8, sigma=1.5, topology=topology,
              initialization_mode="pca", random_seed=0, device="cpu")
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    return som


@pytest.fixture(scope="session")
def groups() -> tuple[torch.Tensor, torch.Tensor]:
    """60 samples (4 features) in three groups, and class ids 0, 1, 2."""
    return _groups()


@pytest.fixture(scope="session")
def rect_som():
    return _trained("rectangular")


@pytest.fixture(scope="session")
def hex_som():
    return _trained("hexagonal")


@pytest.fixture(params=["rectangular", "hexagonal"])
def any_som(request, rect_som, hex_som):
    return rect_som if request.param == "rectangular" else hex_som


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
