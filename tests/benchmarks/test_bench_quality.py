"""The common QE/TE implementation against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.quality import best_two, quality


def grid_weights(x: int, y: int) -> np.ndarray:
    """Unit (r, c) sits at feature point (r, c): a perfectly ordered 2-D map."""
    rows, cols = np.meshgrid(np.arange(x), np.arange(y), indexing="ij")
    return np.stack([rows, cols], axis=-1).astype(np.float64)


def test_hand_computed_case() -> None:
    w = grid_weights(3, 3)
    data = np.array([
        [0.0, 0.0],   # on unit (0,0); second best (0,1) (tie with (1,0), lower index): adjacent
        [1.0, 1.5],   # between (1,1) and (1,2): distance 0.5, adjacent
        [2.2, 0.1],   # nearest (2,0), distance sqrt(0.05)
    ])
    qe, te = quality(data, w)
    assert qe == pytest.approx((0.0 + 0.5 + np.sqrt(0.05)) / 3)
    assert te == 0.0


def test_non_adjacent_pair_counts() -> None:
    # a 1×3 map whose first and last units are close in feature space, middle far away
    w = np.array([[[0.0, 0.0], [10.0, 10.0], [0.0, 1.0]]])
    data = np.array([[0.0, 0.4], [10.0, 10.0]])
    dist, idx = best_two(data, w)
    assert idx[0].tolist() == [0, 2]          # best (0,0), second (0,2): two columns apart
    assert dist[0] == pytest.approx([0.4, 0.6])
    qe, te = quality(data, w)
    assert qe == pytest.approx(0.2)
    assert te == pytest.approx(0.5)           # one of two samples


def test_diagonal_neighbours_are_adjacent() -> None:
    w = np.zeros((3, 3, 1))
    w[0, 0, 0], w[1, 1, 0], w[2, 2, 0] = 0.0, 1.0, 3.0
    w[w == 0] = 100.0
    w[0, 0, 0] = 0.0
    data = np.array([[0.4], [2.1]])           # (0,0)+(1,1) diagonal; (2,2)+(1,1) diagonal
    assert quality(data, w)[1] == 0.0


def test_matches_brute_force_on_random_data() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(500, 7)).astype(np.float32)
    w = rng.normal(size=(6, 5, 7)).astype(np.float32)
    d = np.linalg.norm(data[:, None, :].astype(np.float64) - w.reshape(-1, 7)[None], axis=2)
    order = np.argsort(d, axis=1, kind="stable")[:, :2]
    r, c = np.divmod(order, 5)
    te = ((np.abs(r[:, 0] - r[:, 1]) > 1) | (np.abs(c[:, 0] - c[:, 1]) > 1)).mean()
    qe, te_got = quality(data, w)
    assert qe == pytest.approx(d.min(axis=1).mean(), rel=1e-9)
    assert te_got == pytest.approx(te)


def test_chunking_gives_the_same_answer(monkeypatch) -> None:
    import benchmarks.quality as q

    rng = np.random.default_rng(1)
    data = rng.normal(size=(300, 3))
    w = rng.normal(size=(4, 4, 3))
    whole = quality(data, w)
    monkeypatch.setattr(q, "_CHUNK_BYTES", 4 * 16 * 7)  # 7 samples per chunk
    assert quality(data, w) == pytest.approx(whole)


def test_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        quality(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError):
        quality(np.zeros((3, 2)), np.zeros((1, 1, 2)))
