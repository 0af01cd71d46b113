"""A hand-made 2x2 map and five samples with known best-matching units."""

from __future__ import annotations

import pytest
import torch

from torchsom import SOM


@pytest.fixture()
def corners_som() -> SOM:
    """2x2 map whose codebook sits at the corners of a 10x10 square (torch search)."""
    som = SOM(2, 2, 2, device="cpu", search_backend="torch")
    som.weights.data[...] = torch.tensor([[[0.0, 0.0], [0.0, 10.0]],
                                          [[10.0, 0.0], [10.0, 10.0]]])
    return som


@pytest.fixture()
def corners_data() -> torch.Tensor:
    """Five samples whose BMUs are (0,0), (1,0), (0,0), (1,1), (0,1): flat 0, 2, 0, 3, 1."""
    return torch.tensor([[0.0, 1.0], [9.0, 0.0], [0.5, 0.0], [10.0, 9.0], [1.0, 9.0]])
