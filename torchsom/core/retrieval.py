"""Sample retrieval: the training samples a trained map places near a query.

:meth:`SOM.collect_samples <torchsom.core.som.SOM.collect_samples>`,
:meth:`~torchsom.core.som.SOM.collect_samples_batch` and the just-in-time learner
(:mod:`torchsom.jitl`) call the functions here. A buffer is made of whole neurons: the
query's BMU, its grid neighbours, then (in the default mode) the nearest non-empty
neurons until the buffer is large enough; see :func:`collect_samples`.
"""

from __future__ import annotations

from typing import Any

import torch

from torchsom._registry import check_choice
from torchsom._validation import as_target, check_bool, check_int
from torchsom.core.maps._neurons import n_neurons, neighbor_rows
from torchsom.core.maps.bmu_map import bmu_assignment, check_indices_fit, search_flat_bmus
from torchsom.functional.members import group_members, retrieval_buffers

__all__ = ["RETRIEVAL_MODES", "collect_samples", "collect_samples_batch", "retrieval_indices"]

RETRIEVAL_MODES = ("bmu_only", "bmu_neighborhood", "bmu_neighborhood_knn")


def retrieval_indices(
    som: Any,
    queries: torch.Tensor,
    samples: torch.Tensor,
    bmus_idx_map: Any,
    min_buffer_threshold: int = 50,
    retrieval_mode: str = "bmu_neighborhood_knn",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Buffers of many queries as ``(indices, offsets)``; inputs already checked.

    Parameters
    ----------
    som : SOM
        The trained map.
    queries : torch.Tensor
        Shape (q, num_features), checked.
    samples : torch.Tensor
        Shape (n_samples, num_features), checked: the historical samples.
    bmus_idx_map : dict
        ``bmus_data`` map of ``samples`` in either form.
    min_buffer_threshold : int
        Smallest buffer the ``bmu_neighborhood_knn`` mode aims for.
    retrieval_mode : str
        One of :data:`RETRIEVAL_MODES`.

    Returns
    -------
    indices : torch.Tensor
        int64, all buffers concatenated.
    offsets : torch.Tensor
        Shape (q + 1,): query ``i`` owns ``indices[offsets[i]:offsets[i + 1]]``.
    """
    member_rows, neurons = bmu_assignment(som, bmus_idx_map, samples, name="bmus_idx_map")
    check_indices_fit(member_rows, samples.shape[0], "bmus_idx_map", "historical_samples")
    members, ptr = group_members(member_rows, neurons, n_neurons(som))
    bmus = search_flat_bmus(som, queries, max(1, queries.shape[0]))
    table = None if retrieval_mode == "bmu_only" else neighbor_rows(som, som.neighborhood_order)
    fallback = None
    if retrieval_mode == "bmu_neighborhood_knn":
        codebook = som.weights.detach().reshape(n_neurons(som), som.num_features)
        cross_distance = som.internals.cross_distance

        def fallback(rows: torch.Tensor) -> torch.Tensor:
            return cross_distance(queries[rows], codebook)

    return retrieval_buffers(bmus, members, ptr, table, fallback, int(min_buffer_threshold))


def _check_retrieval_args(min_buffer_threshold: Any, return_indices: Any,
                          retrieval_mode: Any) -> None:
    check_choice("retrieval_mode", retrieval_mode, RETRIEVAL_MODES,
                 "Invalid retrieval_mode")
    check_int("min_buffer_threshold", min_buffer_threshold, 0)
    check_bool("return_indices", return_indices)


def _history(som: Any, historical_samples: Any, historical_outputs: Any) -> tuple[
    torch.Tensor, torch.Tensor
]:
    samples = som.internals.check_data(historical_samples, "historical_samples")
    outputs = as_target(historical_outputs, n_samples=samples.shape[0],
                        name="historical_outputs", device=samples.device,
                        data_name="historical_samples")
    return samples, (outputs.reshape(-1, 1) if outputs.dim() == 1 else outputs)


def collect_samples(
    som: Any,
    query_sample: Any,
    historical_samples: Any,
    historical_outputs: Any,
    bmus_idx_map: Any,
    min_buffer_threshold: int = 50,
    return_indices: bool = False,
    retrieval_mode: str = "bmu_neighborhood_knn",
) -> tuple[torch.Tensor, ...]:
    """Training samples that the map places near one query.

    The buffer is built from whole neurons, in this order:

    1. the query's BMU;
    2. unless ``retrieval_mode="bmu_only"``, its neighbours up to
       ``som.neighborhood_order``, in the ring order of
       :func:`torchsom.topology.get_all_neighbors_up_to_order` (odd-r on hexagonal grids,
       wrapped around when ``pbc`` is on, each neuron once);
    3. for ``"bmu_neighborhood_knn"`` (default) only, while the buffer holds fewer than
       ``min_buffer_threshold`` samples: the remaining non-empty neurons whose codebook
       vector is closest to the **query** (SOM distance; ties in row-major order), one
       whole neuron at a time. A buffer that reaches the threshold stops there (it may
       exceed it by part of the last neuron).

    Inside a neuron samples keep the order of ``bmus_idx_map``.

    Parameters
    ----------
    query_sample : array-like
        Shape (num_features,) or (1, num_features).
    historical_samples : array-like
        Shape (n_samples, num_features).
    historical_outputs : array-like
        Shape (n_samples,) or (n_samples, n_outputs).
    bmus_idx_map : dict
        ``bmus_data`` map of ``historical_samples`` in either form.
    min_buffer_threshold : int, default=50
        Minimum buffer size aimed for by the nearest-neuron fallback.
    return_indices : bool, default=False
        Also return the row indices.
    retrieval_mode : {"bmu_only", "bmu_neighborhood", "bmu_neighborhood_knn"}
        How far to look.

    Returns
    -------
    samples : torch.Tensor
        Shape (m, num_features).
    outputs : torch.Tensor
        Shape (m, 1) for a 1-D target, (m, n_outputs) for a 2-D one.
    indices : torch.Tensor
        Shape (m,), int64; only with ``return_indices=True``.
    """
    _check_retrieval_args(min_buffer_threshold, return_indices, retrieval_mode)
    query = som.internals.check_data(query_sample, "query_sample")
    if query.shape[0] != 1:
        raise ValueError(
            f"query_sample must be one sample of shape ({som.num_features},); got shape "
            f"{tuple(query.shape)}. Use collect_samples_batch for many queries."
        )
    samples, outputs = _history(som, historical_samples, historical_outputs)
    indices, _ = retrieval_indices(som, query, samples, bmus_idx_map, min_buffer_threshold,
                                   retrieval_mode)
    if return_indices:
        return samples[indices], outputs[indices], indices
    return samples[indices], outputs[indices]


def collect_samples_batch(
    som: Any,
    query_samples: Any,
    historical_samples: Any,
    historical_outputs: Any,
    bmus_idx_map: Any,
    min_buffer_threshold: int = 50,
    return_indices: bool = False,
    retrieval_mode: str = "bmu_neighborhood_knn",
) -> list[tuple[torch.Tensor, ...]]:
    """:func:`collect_samples` for many queries in one call.

    The BMU search, neighbour lookup and nearest-neuron fallback run on all queries at
    once; only the final split into per-query tensors is a loop.

    Parameters
    ----------
    query_samples : array-like
        Shape (n_queries, num_features).
    historical_samples, historical_outputs, bmus_idx_map : array-like, array-like, dict
        As in :func:`collect_samples`.
    min_buffer_threshold, return_indices, retrieval_mode : int, bool, str
        As in :func:`collect_samples`.

    Returns
    -------
    list of tuple
        One entry per query, equal to what :func:`collect_samples` returns for it.
    """
    _check_retrieval_args(min_buffer_threshold, return_indices, retrieval_mode)
    queries = som.internals.check_data(query_samples, "query_samples")
    samples, outputs = _history(som, historical_samples, historical_outputs)
    indices, offsets = retrieval_indices(som, queries, samples, bmus_idx_map,
                                         min_buffer_threshold, retrieval_mode)
    sizes = (offsets[1:] - offsets[:-1]).tolist()
    rows, outs = samples[indices], outputs[indices]
    if return_indices:
        return list(zip(torch.split(rows, sizes), torch.split(outs, sizes),
                        torch.split(indices, sizes)))
    return list(zip(torch.split(rows, sizes), torch.split(outs, sizes)))
