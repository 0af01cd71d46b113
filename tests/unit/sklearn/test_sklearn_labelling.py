"""Per-neuron votes and means equal the formula written out with a full kernel matrix."""

from __future__ import annotations

import numpy as np
import pytest

from torchsom import SOM
from torchsom.sklearn._labelling import final_sigma, neuron_means


def _brute_force(som: SOM, bmu, targets, weights, sigma) -> np.ndarray:
    """The formula of the module docstring with an explicit (n, n) gaussian."""
    kernel = np.exp(-som.coord_distances_sq.double().numpy() / (2 * sigma**2))  # h(m, n)
    observed = ~np.isnan(targets)
    mass = weights[:, None] * observed
    values = np.where(observed, targets, 0.0) * mass
    per_neuron = np.zeros((som.x * som.y, targets.shape[1]))
    per_mass = np.zeros_like(per_neuron)
    np.add.at(per_neuron, bmu, values)
    np.add.at(per_mass, bmu, mass)
    return (kernel.T @ per_neuron) / (kernel.T @ per_mass)


@pytest.mark.parametrize("topology,pbc", [("rectangular", False), ("rectangular", True),
                                          ("hexagonal", False), ("hexagonal", True)])
def test_neuron_means_match_the_written_formula(topology, pbc) -> None:
    som = SOM(4, 5, 2, topology=topology, pbc=pbc, device="cpu")
    rng = np.random.default_rng(0)
    bmu = rng.integers(0, 20, size=60)
    targets = rng.normal(size=(60, 3))
    targets[rng.random((60, 3)) < 0.2] = np.nan  # unobserved entries
    weights = rng.uniform(0, 2, size=60)
    weights[:5] = 0.0
    got = neuron_means(som, bmu, targets, weights, sigma=1.3)
    # the map's hexagonal positions are float32 (√3/2 rounded): hence rtol 1e-5
    np.testing.assert_allclose(got, _brute_force(som, bmu, targets, weights, 1.3),
                               rtol=1e-5 if topology == "hexagonal" else 1e-10, atol=1e-12)


def test_one_hot_votes_are_probabilities_and_narrow_sigma_keeps_own_rows() -> None:
    som = SOM(1, 3, 1, device="cpu")
    bmu = np.array([0, 0, 0, 2])
    onehot = np.eye(2)[[0, 0, 1, 1]]
    votes = neuron_means(som, bmu, onehot, np.ones(4), sigma=0.2)
    np.testing.assert_allclose(votes.sum(1), 1.0)
    np.testing.assert_allclose(votes[0], [2 / 3, 1 / 3], atol=1e-6)  # its own three rows
    np.testing.assert_allclose(votes[2], [0, 1], atol=1e-6)
    np.testing.assert_allclose(votes[1], [0.5, 0.5], atol=1e-6)  # 3 rows (2:1) + 1 row (0:1)


def test_neurons_out_of_reach_get_the_weighted_global_mean() -> None:
    som = SOM(1, 60, 1, device="cpu")
    bmu = np.array([0, 0])
    targets = np.array([[1.0], [4.0]])
    out = neuron_means(som, bmu, targets, np.array([1.0, 3.0]), sigma=0.5)
    assert out[0, 0] == pytest.approx(3.25)
    assert out[-1, 0] == pytest.approx(3.25)  # exp(-59²/0.5) underflows: the prior


def test_final_sigma_is_the_last_epoch_of_the_schedule() -> None:
    som = SOM(5, 5, 2, sigma=2.0, epochs=7, device="cpu")
    assert final_sigma(som) == pytest.approx(float(som.sigma_schedule[-1]), rel=1e-6)
    assert final_sigma(som) < 2.0
