"""Agreement with MiniSom, used as an independent reference implementation.

Conventions:
* Rectangular grids index neurons the same way in both libraries.
* MiniSom's hexagonal grid puts its first index on the horizontal axis and shifts every
  other *column of its index grid*; it is our odd-r grid transposed. A MiniSom map of
  shape (y, x) is our (x, y) map with ``minisom_weights[j, i] == our_weights[i, j]``,
  provided x is odd (MiniSom shifts the parity class of its last row, which is our odd
  rows only when x is odd). The first test checks this equivalence on the positions.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

minisom = pytest.importorskip("minisom")

from torchsom import SOM  # noqa: E402


def _data(n: int = 400, features: int = 5, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, features)).astype(np.float32)


def _codebook(x: int, y: int, features: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((x, y, features)).astype(np.float32)


def _ours(x: int, y: int, features: int, weights: np.ndarray, topology: str) -> SOM:
    som = SOM(x=x, y=y, num_features=features, topology=topology, device="cpu")
    som.weights.data.copy_(torch.from_numpy(weights))
    return som


def test_hexagonal_positions_match_transposed_minisom_grid() -> None:
    x, y = 5, 4
    ours = _ours(x, y, 2, _codebook(x, y, 2), "hexagonal")
    ref = minisom.MiniSom(y, x, 2, topology="hexagonal")
    ref_x, ref_y = ref.get_euclidean_coordinates()  # each (y, x) indexed [i', j']
    ours_pos = torch.stack((ours.yy, ours.xx), dim=-1).numpy()  # (x, y, 2) horizontal, vertical
    ref_pos = np.stack((ref_x.T, ref_y.T), axis=-1)  # transposed → (x, y, 2)
    ours_d = np.linalg.norm(ours_pos.reshape(-1, 1, 2) - ours_pos.reshape(1, -1, 2), axis=-1)
    ref_d = np.linalg.norm(ref_pos.reshape(-1, 1, 2) - ref_pos.reshape(1, -1, 2), axis=-1)
    np.testing.assert_allclose(ours_d, ref_d, atol=1e-6)


@pytest.mark.parametrize("x,y", [(6, 4), (3, 7)])
def test_rectangular_bmus_qe_te_match(x: int, y: int) -> None:
    data, weights = _data(), _codebook(x, y, 5)
    ours = _ours(x, y, 5, weights, "rectangular")
    ref = minisom.MiniSom(x, y, 5, topology="rectangular")
    ref._weights = weights.astype(np.float64)
    expected = np.array([ref.winner(s) for s in data])
    np.testing.assert_array_equal(ours.identify_bmus(torch.from_numpy(data)).numpy(), expected)
    assert ours.quantization_error(data) == pytest.approx(ref.quantization_error(data), rel=1e-5)
    assert ours.topographic_error(data) == pytest.approx(ref.topographic_error(data), abs=1e-6)


@pytest.mark.parametrize("x,y", [(5, 4), (7, 6)])
def test_hexagonal_bmus_qe_te_match(x: int, y: int) -> None:
    data, weights = _data(seed=3), _codebook(x, y, 5, seed=4)
    ours = _ours(x, y, 5, weights, "hexagonal")
    ref = minisom.MiniSom(y, x, 5, topology="hexagonal")
    ref._weights = weights.transpose(1, 0, 2).astype(np.float64)
    expected = np.array([ref.winner(s)[::-1] for s in data])
    np.testing.assert_array_equal(ours.identify_bmus(data).numpy(), expected)
    assert ours.quantization_error(data) == pytest.approx(ref.quantization_error(data), rel=1e-5)
    te = ours.topographic_error(data)
    assert te == pytest.approx(ref.topographic_error(data), abs=1e-6)
    assert 0.0 < te < 1.0  # the comparison is not vacuous


def test_batch_rule_matches_train_batch_offline() -> None:
    """Same initial codebook, same per-epoch sigma and the same learning-rate blend.

    Only the gaussian is compared: MiniSom's bubble and triangle are products of
    per-axis windows (squares), ours are functions of the grid distance (discs).
    """
    x, y, features, epochs = 6, 5, 3, 8
    data = _data(300, features, seed=5)
    init = _codebook(x, y, features, seed=6)
    ours = SOM(x=x, y=y, num_features=features, epochs=epochs, sigma=2.0, learning_rate=0.7,
               algorithm="batch", device="cpu")
    ours.weights.data.copy_(torch.from_numpy(init))
    ref = minisom.MiniSom(x, y, features, sigma=2.0, learning_rate=0.7)
    ref._weights = init.astype(np.float64).copy()
    ours.fit(data, verbose=False)
    ref.train_batch_offline(data, num_iteration=epochs)
    np.testing.assert_allclose(ours.weights.detach().numpy(), ref._weights, atol=2e-4)
