"""benchmarks/data.py: the shared benchmark data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks import data


def test_make_data_is_standardised_float32_and_seeded() -> None:
    a = data.make_data(200, 5)
    assert a.dtype == np.float32 and a.shape == (200, 5)
    np.testing.assert_allclose(a.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(a.std(axis=0), 1, atol=1e-4)
    np.testing.assert_array_equal(a, data.make_data(200, 5))
    assert not np.array_equal(a, data.make_data(200, 5, seed=1))


def test_data_path_writes_once(tmp_path: Path) -> None:
    path = data.data_path(tmp_path, 50, 3)
    assert path.exists() and np.load(path).shape == (50, 3)
    stamp = path.stat().st_mtime_ns
    assert data.data_path(tmp_path, 50, 3) == path and path.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob("*.tmp.npy"))
