"""Shared fixtures: small deterministic datasets; matplotlib forced to Agg."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture(scope="session")
def blobs() -> tuple[torch.Tensor, torch.Tensor]:
    """300 standardised samples from 3 well-separated blobs, and their labels."""
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    data, labels = make_blobs(n_samples=300, centers=3, n_features=4, random_state=42)
    features = torch.tensor(StandardScaler().fit_transform(data), dtype=torch.float32)
    return features, torch.tensor(labels, dtype=torch.long)


@pytest.fixture()
def gaussian_data() -> torch.Tensor:
    """200 samples of 3 standard-normal features, fixed seed."""
    gen = torch.Generator().manual_seed(0)
    return torch.randn(200, 3, generator=gen)
