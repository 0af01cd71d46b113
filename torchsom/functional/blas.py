"""Thread count of numpy's BLAS, kept in line with torch's.

numpy's BLAS (OpenBLAS in the wheels) keeps its own thread pool, sized to the machine.
The CPU fast paths that run products through numpy wrap them in :func:`blas_threads` so
that ``torch.set_num_threads`` governs the whole computation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["blas_threads"]

_CONTROLLER: list = []  # [threadpoolctl.ThreadpoolController or None], filled on first use


@contextlib.contextmanager
def blas_threads(count: int) -> Iterator[None]:
    """Limit numpy's BLAS to ``count`` threads inside the block (restored after).

    Without ``threadpoolctl`` (a dependency) the block runs unchanged.
    """
    if not _CONTROLLER:
        try:
            import threadpoolctl

            _CONTROLLER.append(threadpoolctl.ThreadpoolController())
        except Exception:  # pragma: no cover - threadpoolctl missing or failing
            _CONTROLLER.append(None)
    controller = _CONTROLLER[0]
    if controller is None:  # pragma: no cover
        yield
        return
    with controller.limit(limits=count, user_api="blas"):
        yield
