"""What the neurons are clustered on (clustering/features.py)."""

from __future__ import annotations

import pytest
import torch

from torchsom.clustering import clustering_features
from torchsom.topology import grid_positions


def test_features_weights_is_the_flat_codebook() -> None:
    weights = torch.rand(3, 4, 5)
    features = clustering_features(weights, "rectangular", "weights")
    torch.testing.assert_close(features, weights.reshape(12, 5))


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_features_positions_come_from_the_topology_module(topology) -> None:
    rows, cols = grid_positions(3, 4, topology)
    features = clustering_features(torch.rand(3, 4, 2), topology, "positions")
    torch.testing.assert_close(features, torch.stack((rows.reshape(-1), cols.reshape(-1)), 1))


def test_features_combined_standardises_both_parts() -> None:
    weights = torch.rand(4, 5, 3) * 100 + 7
    features = clustering_features(weights, "rectangular", "combined").double()
    assert features.shape == (20, 5)
    torch.testing.assert_close(features.mean(0), torch.zeros(5, dtype=torch.float64),
                               atol=1e-5, rtol=0)
    # each part carries a total variance of 1
    var = features.var(0, unbiased=False)
    assert float(var[:3].sum()) == pytest.approx(1.0, abs=1e-4)
    assert float(var[3:].sum()) == pytest.approx(1.0, abs=1e-4)


def test_features_combined_keeps_constant_columns_finite() -> None:
    weights = torch.ones(2, 3, 2)
    features = clustering_features(weights, "rectangular", "combined")
    assert bool(torch.isfinite(features).all())
    assert torch.equal(features[:, :2], torch.zeros(6, 2))


def test_features_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="feature_space"):
        clustering_features(torch.rand(2, 2, 2), "rectangular", "pixels")
    with pytest.raises(ValueError, match=r"\(x, y, num_features\)"):
        clustering_features(torch.rand(4, 2), "rectangular", "weights")
