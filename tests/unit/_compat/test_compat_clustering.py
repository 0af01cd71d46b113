"""The clustering adapters of earlier releases (_compat/clustering.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom._compat import clustering as compat_clustering
from torchsom.clustering import default_max_k
from torchsom.utils.clustering import (
    _determine_optimal_components_bic,
    _determine_optimal_k_elbow,
    extract_clustering_features,
)


@pytest.fixture(scope="module")
def three_groups() -> tuple[torch.Tensor, torch.Tensor]:
    """120 points in 3 tight, far-apart groups of 40 (2 features) and their 1-based ids."""
    gen = torch.Generator().manual_seed(3)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = torch.cat([c + 0.3 * torch.randn(40, 2, generator=gen) for c in centres])
    return points, torch.arange(1, 4).repeat_interleave(40)


def test_the_old_module_path_re_exports_the_adapters() -> None:
    import torchsom.utils.clustering as old

    for name in compat_clustering.__all__:
        assert getattr(old, name) is getattr(compat_clustering, name), name


def test_extract_clustering_features_reads_any_map_like_object() -> None:
    class Grid:
        weights = torch.rand(2, 3, 4)
        topology = "hexagonal"

    out = extract_clustering_features(Grid(), "positions")
    assert out.shape == (6, 2)
    assert float(out[3, 1]) == pytest.approx(0.5)  # row 1 is shifted right


def test_compat_helpers_return_ints_in_range(three_groups) -> None:
    points, _ = three_groups
    k = _determine_optimal_k_elbow(points.numpy(), max_k=8, random_state=42)
    assert isinstance(k, int) and 2 <= k <= 8
    assert _determine_optimal_k_elbow(np.array([[0.0], [1.0], [2.0]])) == 2
    c = _determine_optimal_components_bic(points.numpy(), 42)
    assert isinstance(c, int) and 1 <= c <= default_max_k(120)
