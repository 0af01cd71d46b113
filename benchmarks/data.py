"""The benchmark data: generated once per shape by the driver, shared by every backend.

``make_blobs(n, F, centers=3, random_state=42)``, standardised per feature (zero mean,
unit variance, like ``StandardScaler``) and stored as float32 ``.npy`` under
``.bench/data/``. Every runner loads the same file, so all backends see identical bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.configs import BLOB_CENTERS, DATA_SEED


def make_data(n: int, features: int, seed: int = DATA_SEED) -> np.ndarray:
    """Standardised float32 blobs, shape (n, features)."""
    from sklearn.datasets import make_blobs

    raw, _ = make_blobs(n_samples=n, n_features=features, centers=BLOB_CENTERS,
                        random_state=seed)
    std = raw.std(axis=0)
    std[std == 0] = 1.0
    return ((raw - raw.mean(axis=0)) / std).astype(np.float32)


def data_path(cache: Path, n: int, features: int, seed: int = DATA_SEED) -> Path:
    """Path of the cached data file, creating it if needed."""
    path = cache / f"blobs_n{n}_f{features}_c{BLOB_CENTERS}_s{seed}.npy"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, make_data(n, features, seed))
        tmp.replace(path)
    return path
