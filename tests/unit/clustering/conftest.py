"""Small deterministic data for the clustering tests (the trained map is in
tests/unit/conftest.py)."""

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

