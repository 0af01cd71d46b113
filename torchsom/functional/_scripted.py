"""A TorchScript build of the mini-batch epoch for small CPU problems.

With batches of a few samples the mini-batch rule is bound by the cost of dispatching
tensor operations, not by arithmetic. Running the batch loop inside one scripted
function removes the Python interpreter from the loop and roughly halves the time of an
epoch on small maps. The script is compiled on first use; where TorchScript is missing or
fails, :func:`scripted_minibatch_epoch` returns None and the caller uses the plain loop,
which computes the same thing.
"""

from __future__ import annotations

import warnings

import torch

__all__ = ["scripted_minibatch_epoch"]

_COMPILED: list = []  # [function or None], filled on first use


def _minibatch_epoch_tables(  # pragma: no cover - runs as TorchScript, unseen by coverage
    codebook_t: torch.Tensor,
    shuffled: torch.Tensor,
    augmented_t: torch.Tensor,
    row_rows: torch.Tensor,
    key_rows: torch.Tensor,
    batch_size: int,
    learning_rate: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean mini-batch epoch with a separable neighbourhood given by per-neuron
    axis tables; same arithmetic as ``training.minibatch_epoch``."""
    features = shuffled.shape[1]
    values: list[torch.Tensor] = []
    indices: list[torch.Tensor] = []
    batches = shuffled.split(batch_size)
    batches_aug = augmented_t.split(batch_size, 1)
    sq_norms = torch.linalg.vecdot(codebook_t, codebook_t, dim=0)
    for k in range(len(batches)):
        batch = batches[k]
        size = batch.shape[0]
        found, idx = torch.addmm(sq_norms, batch, codebook_t, beta=1.0, alpha=-2.0).topk(
            2, dim=1, largest=False
        )
        values.append(found)
        indices.append(idx)
        bmu = idx.select(1, 0)
        rows = (
            row_rows.index_select(0, bmu).unsqueeze(2) * key_rows.index_select(0, bmu).unsqueeze(1)
        ).view(size, -1)
        sums = torch.mm(batches_aug[k], rows)
        step = learning_rate / size
        codebook_t.addcmul_(codebook_t, sums.narrow(0, features, 1), value=-step)
        codebook_t.add_(sums.narrow(0, 0, features), alpha=step)
        sq_norms = torch.linalg.vecdot(codebook_t, codebook_t, dim=0)
    return torch.cat(values), torch.cat(indices)


def _compiled():
    if not _COMPILED:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _COMPILED.append(torch.jit.script(_minibatch_epoch_tables))
        except Exception:  # pragma: no cover - TorchScript unavailable in this torch
            _COMPILED.append(None)
    return _COMPILED[0]


def scripted_minibatch_epoch(
    codebook_t: torch.Tensor,
    shuffled: torch.Tensor,
    augmented_t: torch.Tensor,
    row_rows: torch.Tensor,
    key_rows: torch.Tensor,
    batch_size: int,
    learning_rate: float,
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Run the scripted epoch, or return None when TorchScript is not available.

    Parameters
    ----------
    codebook_t : torch.Tensor
        Shape (F, n_neurons), updated in place.
    shuffled : torch.Tensor
        Shape (n_samples, F).
    augmented_t : torch.Tensor
        Shape (F + 1, n_samples): ``[shuffled | 1]`` transposed.
    row_rows, key_rows : torch.Tensor
        Shapes (n_neurons, x) and (n_neurons, y): each neuron's gaussian factor rows.
    batch_size : int
        Samples per update.
    learning_rate : float
        Learning rate of this epoch.

    Returns
    -------
    tuple of torch.Tensor or None
        ``(scores (n_samples, 2), best_two (n_samples, 2))`` where ``scores`` are
        ``‖w‖² − 2 x·w`` of the two best units.
    """
    function = _compiled()
    if function is None:  # pragma: no cover
        return None
    # plain interpretation: no profiling runs or fusion passes, so the first call is cheap
    with torch.jit.optimized_execution(False):
        return function(codebook_t, shuffled, augmented_t, row_rows, key_rows, batch_size,
                        float(learning_rate))
