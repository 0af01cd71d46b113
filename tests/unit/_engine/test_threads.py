"""numpy's BLAS thread count is limited inside the block and restored after."""

from __future__ import annotations

import numpy as np
import pytest

import torchsom._engine.threads as blas
from torchsom._engine.threads import blas_threads


def test_blas_threads_limits_and_restores() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_counts() -> list[int]:  # numpy's own BLAS (scipy or faiss may load others)
        return [m["num_threads"] for m in threadpoolctl.threadpool_info()
                if m["user_api"] == "blas" and "numpy" in m["filepath"]]

    before = blas_counts()
    if not before:
        pytest.skip("numpy reports no BLAS thread pool")
    with blas_threads(1):
        assert blas_counts() == [1] * len(before)
        np.ones((4, 4)) @ np.ones((4, 4))
    assert blas_counts() == before
    assert blas._backend()[0] == "openblas"  # numpy's wheel: driven without a library scan


def test_blas_threads_falls_back_to_threadpoolctl(monkeypatch) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.setattr(blas, "_BACKEND", [])
    monkeypatch.setattr(blas, "_bundled_openblas", lambda: None)
    def blas_counts() -> list[int]:
        return [m["num_threads"] for m in threadpoolctl.threadpool_info()
                if m["user_api"] == "blas"]

    before = blas_counts()
    with blas_threads(1):
        assert blas._backend()[0] == "threadpoolctl"
        assert blas_counts() == [1] * len(before)
    assert blas_counts() == before
