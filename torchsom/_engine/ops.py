"""Array backends of the training engine: numpy on the CPU, torch on any device.

A training rule (see :mod:`torchsom._engine.rules`) is written once against the small
set of operations below; a backend supplies them for one array library. numpy serves
the CPU when it can (a numpy call on small arrays costs about 1 µs where a torch
operator costs 3-5 µs to dispatch, and small batches are bound by the number of calls,
not by arithmetic); torch serves every other case, CUDA included.

Both libraries accept the same ``matmul(a, b, out=...)`` and in-place arithmetic
operators, so the score (``functional.bmu.euclidean_scores``) and the update are plain
expressions over either library's arrays.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from torchsom._engine.threads import blas_threads
from torchsom.functional.bmu import two_smallest

__all__ = ["ArrayOps", "NumpyOps", "TorchOps"]

# codebooks of this many entries or more get their column norms in one einsum pass
# (memory-bound there); smaller ones as squares times a vector (measured, numpy 2.4)
_ONE_PASS_NORMS = 1 << 18

# the numpy dtypes of the float tensors the numpy backend serves (a lookup: asking torch
# by making a tensor cost 8 µs, once per epoch)
_NUMPY_DTYPES = {torch.float32: np.dtype(np.float32), torch.float64: np.dtype(np.float64)}


class ArrayOps:
    """Operations a training rule needs beyond plain operators (see subclasses)."""

    name = "abstract"
    xp = np  # the array library: ``xp.matmul(a, b, out=...)``, ``xp.multiply(a, b, out=...)``

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def array(self, tensor: torch.Tensor):
        """The backend's view of a tensor (shares memory where possible)."""

    def tensor(self, array) -> torch.Tensor:
        """A torch view of a backend array."""

    def empty(self, shape: tuple[int, ...], dtype: torch.dtype, index: bool = False):
        """An uninitialised array of floats (or int64 when ``index``)."""

    def arange(self, count: int, step: int = 1):
        """``0, step, 2·step, …`` as int64, length ``count``."""

    def take(self, table, index, axis: int):
        """``table`` gathered along ``axis`` at ``index``."""

    def top_two(self, scores, best, best_value, second, offsets) -> None:
        """Each row's two smallest columns of ``scores`` (b, n), ties to the lowest index,
        written into ``best``, ``best_value`` and ``second`` (b,); ``scores`` may be
        overwritten. ``offsets`` is ``arange(b) * n``."""

    def neighbourhood_rows(self, row_table, key_table, row_index, key_index, best,
                           out, scratch) -> None:
        """``out[k] = row_table[row_index[best[k]]] ⊙ key_table[key_index[best[k]]]``: the
        neighbourhood rows (b, n) of a batch's BMUs from the two axis tables, each already
        spread over the neurons ((x, n) and (K, n)); ``scratch`` (b, n) may hold one of the
        two gathers."""

    def column_sq_norms(self, matrix, out, scale=1.0, scratch=None) -> None:
        """``out[j] = scale · Σ_i matrix[i, j]²`` for ``matrix`` (F, n) (``scratch``
        (F, n), when given, may hold the squares)."""

    def row_sq_norms(self, matrix):
        """``Σ_j matrix[i, j]²`` for ``matrix`` (m, F), shape (m,)."""

    def threads(self, count: int) -> contextlib.AbstractContextManager[None]:
        """Run the block with ``count`` compute threads (restored after)."""


class NumpyOps(ArrayOps):
    """numpy arrays sharing memory with CPU tensors."""

    name = "numpy"
    xp = np

    def __init__(self, device: torch.device) -> None:
        super().__init__(device)
        self._vectors: dict[tuple, np.ndarray] = {}

    def array(self, tensor: torch.Tensor) -> np.ndarray:
        return tensor.detach().numpy()

    def tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array)

    def empty(self, shape, dtype, index=False):
        return np.empty(shape, np.int64 if index else _NUMPY_DTYPES[dtype])

    def arange(self, count, step=1):
        return np.arange(count, dtype=np.int64) * step

    def take(self, table, index, axis):
        return table.take(index, axis=axis)

    top_two = staticmethod(two_smallest)

    @staticmethod
    def neighbourhood_rows(row_table, key_table, row_index, key_index, best, out, scratch):
        # gathers into kept buffers: a fresh (256, 2500) result costs its page faults,
        # 17x the gather itself; mode="clip" (indices are valid) because take buffers its
        # out= under the default mode="raise", which made small gathers 1.6x slower
        row_table.take(row_index.take(best), axis=0, out=scratch, mode="clip")
        key_table.take(key_index.take(best), axis=0, out=out, mode="clip")
        np.multiply(out, scratch, out=out)

    def column_sq_norms(self, matrix, out, scale=1.0, scratch=None):
        if scratch is not None and matrix.size < _ONE_PASS_NORMS:
            # squares, then one product with a vector of ``scale``: the scaling rides in
            # the product; 4.2 vs 5.9 µs for einsum on (4, 375), about equal on (64, 252)
            # and (300, 375) (numpy 2.4, one thread)
            weights = self._scale_vector(matrix.shape[0], matrix.dtype, scale)
            np.matmul(weights, np.multiply(matrix, matrix, out=scratch), out=out)
            return
        # einsum, not vecdot(axis=0): vecdot reduces along the strided axis, 4x slower on a
        # (300, 375) codebook and on (1024, 2500) (numpy 2.4, one thread); on large
        # codebooks its single pass beats squares + product 2.5x (1024 × 2500)
        np.einsum("fn,fn->n", matrix, matrix, out=out)
        if scale != 1.0:
            out *= scale

    def _scale_vector(self, length, dtype, scale):
        key = (length, dtype, scale)
        vector = self._vectors.get(key)
        if vector is None:
            vector = self._vectors[key] = np.full(length, scale, dtype)
        return vector

    def row_sq_norms(self, matrix):
        return np.einsum("nf,nf->n", matrix, matrix)

    @contextlib.contextmanager
    def threads(self, count):
        previous = torch.get_num_threads()
        if previous != 1:
            torch.set_num_threads(1)  # the few torch calls in the loop are small
        try:
            with blas_threads(count), np.errstate(all="ignore"):  # divergence: caller checks
                yield
        finally:
            if previous != 1:
                torch.set_num_threads(previous)


class TorchOps(ArrayOps):
    """torch tensors on any device; the path CUDA takes, and the CPU's fallback."""

    name = "torch"
    xp = torch

    def array(self, tensor):
        return tensor.detach()

    def tensor(self, array):
        return array

    def empty(self, shape, dtype, index=False):
        return torch.empty(shape, dtype=torch.long if index else dtype, device=self.device)

    def arange(self, count, step=1):
        return torch.arange(count, device=self.device) * step

    def take(self, table, index, axis):
        return table.index_select(axis, index)

    def top_two(self, scores, best, best_value, second, offsets):
        torch.argmin(scores, dim=1, out=best)
        flat = scores.view(-1)
        where = best + offsets
        torch.take(flat, where, out=best_value)
        if second is not None:
            flat.index_fill_(0, where, float("inf"))
            torch.argmin(scores, dim=1, out=second)

    @staticmethod
    def neighbourhood_rows(row_table, key_table, row_index, key_index, best, out, scratch):
        torch.mul(row_table.index_select(0, row_index.index_select(0, best)),
                  key_table.index_select(0, key_index.index_select(0, best)), out=out)

    @staticmethod
    def column_sq_norms(matrix, out, scale=1.0, scratch=None):
        torch.linalg.vecdot(matrix, matrix, dim=0, out=out)
        if scale != 1.0:
            out *= scale

    def row_sq_norms(self, matrix):
        return torch.linalg.vecdot(matrix, matrix, dim=1)

    @contextlib.contextmanager
    def threads(self, count):
        if self.device.type != "cpu":
            yield
            return
        previous = torch.get_num_threads()
        if previous != count:
            torch.set_num_threads(count)
        try:
            yield
        finally:
            if previous != count:
                torch.set_num_threads(previous)
