"""The mini-batch rule on the CPU, run on numpy views of the tensors.

With batches of a few samples an epoch is bound by the number of array operations per
batch (about twenty), not by arithmetic. A numpy call on small arrays costs about 1 µs
where a torch operator costs 3-5 µs to dispatch, so on the CPU the batch loop runs on
numpy arrays that share memory with the torch tensors. It computes what
``training.minibatch_epoch`` computes, up to float rounding, for the euclidean distance and
separable neighbourhoods (the gaussian).

Arithmetic tricks, each exact in binary floating point or a re-association:

* the data is stored once per fit as ``A = [-2x | -2]`` (n, F + 1). The search scores
  ``‖w‖² − 2 x·w`` are one product ``A[:, :F] @ Wᵀ`` plus ``‖w‖²``;
* the neighbourhood rows ``H`` are built from the epoch's axis tables pre-scaled by
  ``-lr / (2b)``, so one product ``Aᵀ H`` gives both ``(lr/b) Σ_k H[k] x_k`` and
  ``(lr/b) Σ_k H[k]``;
* small codebooks are kept transposed (F, n_neurons) so both products run on contiguous
  numpy operands; large codebooks (``F × n_neurons ≥ LARGE_CODEBOOK``) stay in place and
  their few heavy operations (two products, the row scaling, the squared norms) go
  through torch, whose in-place ``addmm_`` folds the accumulation into the product, while
  the many small ones (argmin, gathers, neighbourhood rows) stay in numpy.
"""

from __future__ import annotations

import numpy as np
import torch

from torchsom.functional.blas import blas_threads
from torchsom.functional.bmu import two_smallest
from torchsom.functional.smoothing import GridIndex, GridKernel

__all__ = ["HostMinibatchLoop", "LARGE_CODEBOOK"]

#: codebooks with at least this many entries (F × n_neurons) run the large-codebook loop
LARGE_CODEBOOK = 16_384

# rows at least this long get their squared norms from numpy.vecdot (numpy >= 2)
_LONG_ROWS = 128

# per-neuron axis tables ((x + K) × n_neurons entries) are kept below this size
_TABLE_LIMIT = 4_000_000


class HostMinibatchLoop:
    """Mini-batch epochs of one fit on the CPU.

    Parameters
    ----------
    grid : GridIndex
        Grid bookkeeping of the map.
    samples : torch.Tensor
        Shape (n_samples, F), CPU, float32 or float64: the training data.
    batch_size : int
        Samples per update.
    """

    def __init__(self, grid: GridIndex, samples: torch.Tensor, batch_size: int) -> None:
        data = samples.detach().numpy()
        n, features = data.shape
        n_neurons = grid.x * grid.y
        dtype = data.dtype
        self.batch_size = batch = min(batch_size, n)
        self.features = features
        self.row_of = grid.row_of.numpy()
        self.key_of = grid.key_of.numpy()
        # each epoch's [-2x | -2] in that epoch's order, and every sample's ‖x‖²
        self.data = data
        self.ordered = np.empty((n, features + 1), dtype)
        self.ordered[:, features] = -2.0
        self.sample_sq = np.einsum("nf,nf->n", data, data)
        self.large = features * n_neurons >= LARGE_CODEBOOK
        self.scores = np.empty((batch, n_neurons), dtype)
        self.rows = np.empty((batch, n_neurons), dtype)
        self.keep = np.empty(n_neurons, dtype)
        if not self.large:
            self.codebook_t = np.empty((features, n_neurons), dtype)
            self.update = np.empty((features + 1, n_neurons), dtype)
        self.offsets = np.arange(batch) * n_neurons
        self.per_neuron_tables = (grid.x + grid.n_keys) * n_neurons <= _TABLE_LIMIT

    @staticmethod
    def applies(samples: torch.Tensor, separable: bool, euclidean: bool,
                n_neurons: int) -> bool:
        """Whether this loop can run the fit (else the torch loop does).

        Parameters
        ----------
        samples : torch.Tensor
            The training data.
        separable : bool
            Whether the neighbourhood factorises over the grid axes (the gaussian).
        euclidean : bool
            Whether the map uses the euclidean distance.
        n_neurons : int
            Map size; the loop needs two units for the topographic error.
        """
        return (euclidean and separable and n_neurons >= 2
                and samples.device.type == "cpu"
                and samples.dtype in (torch.float32, torch.float64))

    def epoch(
        self, codebook: torch.Tensor, order: torch.Tensor, learning_rate: float,
        kernel: GridKernel,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run one epoch of the mini-batch rule in place.

        Parameters
        ----------
        codebook : torch.Tensor
            Shape (n_neurons, F), CPU, updated in place.
        order : torch.Tensor
            Shape (n_samples,), int64: this epoch's sample order.
        learning_rate : float
            Learning rate of this epoch.
        kernel : GridKernel
            Neighbourhood of this epoch.

        Returns
        -------
        bmu_distance : torch.Tensor
            Shape (n_samples,), in epoch order: each sample's BMU distance at the time of
            its search.
        best_two : torch.Tensor
            Shape (n_samples, 2), int64: each sample's two best units at that time.
        """
        batch = self.batch_size
        index = order.numpy()
        n = index.shape[0]
        ordered = self.ordered
        head = ordered[:, : self.features]
        np.take(self.data, index, axis=0, out=head, mode="clip")  # unbuffered; valid indices
        head *= -2.0
        scale = -float(learning_rate) / (2.0 * batch)
        row_table = (kernel.row_table * scale).numpy()
        key_table = kernel.key_table.numpy()
        if self.per_neuron_tables:  # (x, n) and (K, n): one row gather per axis
            row_table = row_table.take(self.row_of, axis=1)
            key_table = key_table.take(self.key_of, axis=1)
        found = np.empty(n, ordered.dtype)
        best = np.empty(n, np.int64)
        second = np.empty(n, np.int64)
        results = (found, best, second)
        # numpy's BLAS calls here are small; one thread keeps its pool from spinning against
        # torch's (on a 2-core machine two pools at 2 threads made large fits ~2× slower)
        with np.errstate(all="ignore"), blas_threads(1):  # divergence: caller's check
            if self.large:
                target = codebook if codebook.is_contiguous() else codebook.contiguous()
                self._run_large(ordered, target.detach(), row_table, key_table, *results)
                if target is not codebook:
                    codebook.copy_(target)
            else:
                weights = codebook.detach().numpy()
                self.codebook_t[...] = weights.T
                self._run_small(ordered, self.codebook_t, row_table, key_table, *results)
                weights[...] = self.codebook_t.T
            found += self.sample_sq.take(index)
            np.maximum(found, 0.0, out=found)
            np.sqrt(found, out=found)
        return torch.from_numpy(found), torch.from_numpy(np.stack((best, second), axis=1))

    def _search_and_rows(self, scores: np.ndarray, start: int, stop: int,
                         row_table: np.ndarray, key_table: np.ndarray, found: np.ndarray,
                         best: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Two best units of batch ``start:stop`` from its ``scores`` (overwritten), and
        the batch's neighbourhood rows (b, n_neurons), pre-scaled for this batch size."""
        size = stop - start
        bmu = best[start:stop]
        two_smallest(scores, bmu, found[start:stop], second[start:stop], self.offsets[:size])
        rows = self.rows[:size]
        self._rows(bmu, row_table, key_table, rows)
        if size != self.batch_size:  # the tables are scaled for full batches
            rows *= self.batch_size / size
        return rows

    def _rows(self, bmu: np.ndarray, row_table: np.ndarray, key_table: np.ndarray,
              out: np.ndarray) -> None:
        """Neighbourhood rows of the batch's BMUs into ``out`` (b, n_neurons)."""
        row_of, key_of = self.row_of, self.key_of
        if self.per_neuron_tables:
            np.multiply(row_table.take(row_of.take(bmu), axis=0),
                        key_table.take(key_of.take(bmu), axis=0), out=out)
        else:
            np.multiply(row_table.take(row_of.take(bmu), axis=0).take(row_of, axis=1),
                        key_table.take(key_of.take(bmu), axis=0).take(key_of, axis=1),
                        out=out)

    def _run_large(self, ordered: np.ndarray, codebook: torch.Tensor, row_table: np.ndarray,
                   key_table: np.ndarray, found: np.ndarray, best: np.ndarray,
                   second: np.ndarray) -> None:
        """Batch loop for large codebooks, updating ``codebook`` (n_neurons, F) in place."""
        features, batch = self.features, self.batch_size
        n = ordered.shape[0]
        search_and_rows, tables = self._search_and_rows, (row_table, key_table)
        score_buffer, row_buffer, keep = self.scores, self.rows, self.keep
        score_t, row_t = torch.from_numpy(score_buffer), torch.from_numpy(row_buffer)
        keep_t = torch.from_numpy(keep).unsqueeze(1)
        ordered_t = torch.from_numpy(ordered)
        search = ordered_t[:, :features].split(batch)
        ones = ordered[:, features]
        sq_t = torch.linalg.vecdot(codebook, codebook)
        sq_norms = sq_t.numpy()
        weights = codebook.numpy()
        # numpy's row dot (BLAS per row) is faster on long rows, torch's on short ones
        row_dot = getattr(np, "vecdot", None) if features >= _LONG_ROWS else None
        codebook_tt = codebook.t()
        for k, start in enumerate(range(0, n, batch)):
            stop = min(start + batch, n)
            size = stop - start
            scores = score_buffer[:size]
            torch.mm(search[k], codebook_tt, out=score_t[:size])
            scores += sq_norms
            rows = search_and_rows(scores, start, stop, *tables, found, best, second)
            np.matmul(ones[start:stop], rows, out=keep)
            np.subtract(1.0, keep, out=keep)
            codebook.mul_(keep_t)
            codebook.addmm_(row_t[:size].t(), search[k])
            if row_dot is not None:
                row_dot(weights, weights, out=sq_norms)
            else:
                torch.linalg.vecdot(codebook, codebook, out=sq_t)

    def _run_small(self, ordered: np.ndarray, codebook_t: np.ndarray, row_table: np.ndarray,
                   key_table: np.ndarray, found: np.ndarray, best: np.ndarray,
                   second: np.ndarray) -> None:
        """Batch loop for small codebooks, on the transposed copy ``codebook_t`` (F, n)."""
        features, batch = self.features, self.batch_size
        n = ordered.shape[0]
        search_and_rows, tables = self._search_and_rows, (row_table, key_table)
        update, keep = self.update, self.keep
        mass, sums = update[features], update[:features]
        search = ordered[:, :features]
        score_buffer = self.scores
        sq_norms = np.einsum("fn,fn->n", codebook_t, codebook_t)
        matmul = np.matmul
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            scores = score_buffer[: stop - start]
            matmul(search[start:stop], codebook_t, out=scores)
            scores += sq_norms
            rows = search_and_rows(scores, start, stop, *tables, found, best, second)
            matmul(ordered[start:stop].T, rows, out=update)
            np.subtract(1.0, mass, out=keep)
            codebook_t *= keep
            codebook_t += sums
            sq_norms = np.einsum("fn,fn->n", codebook_t, codebook_t)
