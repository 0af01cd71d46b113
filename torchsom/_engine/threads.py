"""Thread count of numpy's BLAS, kept in line with torch's.

numpy's BLAS (OpenBLAS in the wheels) keeps its own thread pool, sized to the machine.
The CPU fast paths that run products through numpy wrap them in :func:`blas_threads` so
that ``torch.set_num_threads`` governs the whole computation.

The OpenBLAS bundled with numpy's wheels is driven directly through its
``*_set_num_threads`` entry point, found once per process in about a millisecond.
Elsewhere (another BLAS, another build) ``threadpoolctl`` does it; its first use scans
every loaded shared library, about 20 ms in a process that has imported torch.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
from collections.abc import Callable, Iterator

__all__ = ["blas_threads"]

# found on first use: ("openblas", getter, setter) | ("threadpoolctl", controller) | ("none",)
_BACKEND: list[tuple] = []

_OPENBLAS_SYMBOLS = (  # (get, set) pairs, as exported by numpy's bundled OpenBLAS builds
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _bundled_openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """Getter and setter of the OpenBLAS shipped inside the numpy package, if any."""
    import numpy

    root = os.path.dirname(numpy.__file__)
    patterns = (os.path.join(root, os.pardir, "numpy.libs", "*openblas*"),  # Linux wheels
                os.path.join(root, ".dylibs", "*openblas*"))  # macOS wheels
    for path in sorted(p for pattern in patterns for p in glob.glob(pattern)):
        try:
            # mode RTLD_NOLOAD (4): use the copy numpy already loaded, never a second one
            lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 4))
        except OSError:
            continue
        for get_name, set_name in _OPENBLAS_SYMBOLS:
            getter, setter = getattr(lib, get_name, None), getattr(lib, set_name, None)
            if getter is not None and setter is not None:
                getter.restype, getter.argtypes = ctypes.c_int, []
                setter.restype, setter.argtypes = None, [ctypes.c_int]
                return getter, setter
    return None


def _backend() -> tuple:
    if not _BACKEND:
        found: tuple = ("none",)
        try:
            calls = _bundled_openblas()
            if calls is not None:
                found = ("openblas", *calls)
            else:  # numpy built against another BLAS
                import threadpoolctl

                found = ("threadpoolctl", threadpoolctl.ThreadpoolController())
        except Exception:  # pragma: no cover - no way to control the BLAS threads
            found = ("none",)
        _BACKEND.append(found)
    return _BACKEND[0]


@contextlib.contextmanager
def blas_threads(count: int) -> Iterator[None]:
    """Limit numpy's BLAS to ``count`` threads inside the block (restored after).

    Where the BLAS cannot be controlled the block runs unchanged.
    """
    backend = _backend()
    if backend[0] == "openblas":
        getter, setter = backend[1], backend[2]
        previous = getter()
        if previous == count:
            yield
            return
        setter(count)
        try:
            yield
        finally:
            setter(previous)
    elif backend[0] == "threadpoolctl":  # other BLAS builds
        with backend[1].limit(limits=count, user_api="blas"):
            yield
    else:  # pragma: no cover
        yield
