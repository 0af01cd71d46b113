"""One builder per map type: a SOM plus data (or a ``bmus_data`` map) in, a map out.

Each builder checks its arguments and hands tensors to the kernels of
:mod:`torchsom.functional.maps`; the map types are described in :mod:`torchsom.core.maps`.

Every statistics map is (x, y) with NaN for neurons that hold no sample. The ``metric``
and ``classification`` maps carry target values, so they keep them exactly: they are
float32 when the target's dtype fits in float32 (float32, float16, bfloat16, int8,
uint8, int16) and float64 otherwise (float64 and wider integer targets, e.g. Python or
numpy ints); integer labels beyond ±2**53 are refused with a ``ValueError``. The
``score`` and ``rank`` maps are float32.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any

import torch

from torchsom._registry import check_choice
from torchsom._validation import as_target, check_bool, check_int
from torchsom.core.maps._neurons import Cell, n_neurons, neighbor_rows, to_grid
from torchsom.core.maps.bmu_map import (
    BMUMap,
    bmu_assignment,
    bmus_from_search,
    check_indices_fit,
    search_flat_bmus,
)
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional import maps as F
from torchsom.functional.distances import PAIRWISE_DISTANCE_FUNCTIONS, cross_distance_for

__all__ = [
    "MAP_FUNCTIONS",
    "build_hit_map",
    "build_distance_map",
    "build_bmus_data_map",
    "build_metric_map",
    "build_score_map",
    "build_rank_map",
    "build_classification_map",
]


def _length(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 0


def _single_output(target: torch.Tensor, map_type: str) -> torch.Tensor:
    if target.dim() == 2 and target.shape[1] == 1:
        target = target[:, 0]
    if target.dim() != 1:
        raise ValueError(
            f"target must have one value per sample for the {map_type!r} map, shape "
            f"(n_samples,); got shape {tuple(target.shape)}."
        )
    return target


def _supervised_inputs(
    som: Any, map_type: str, target: Any, bmus_data_map: Any, data: Any, batch_size: int
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Checked (values, neurons, n_assigned) for a supervised map."""
    device = som.weights.device
    samples_data = None if data is None else som.internals.check_data(data, "data")
    if bmus_data_map is None:
        samples = torch.arange(samples_data.shape[0], device=device)
        neurons = search_flat_bmus(som, samples_data, batch_size)
    else:
        samples, neurons = bmu_assignment(som, bmus_data_map, samples_data)
    n_rows = samples_data.shape[0] if samples_data is not None else _length(target)
    checked = as_target(target, n_samples=n_rows, name="target", device=device)
    checked = _single_output(checked, map_type)
    check_indices_fit(samples, checked.shape[0], "bmus_data_map", "target")
    return checked[samples], neurons, int(samples.shape[0])


#: dtypes whose every value float32 holds exactly
_FLOAT32_EXACT = (torch.float32, torch.float16, torch.bfloat16, torch.int8, torch.uint8,
                  torch.int16)
#: integers beyond this magnitude have no exact float64 value
_FLOAT64_EXACT_INT = 2**53


def _value_dtype(values: torch.Tensor, name: str = "target") -> torch.dtype:
    """Dtype of a map that carries target values: float32 when it holds every value of
    ``values``' dtype exactly, else float64 (float32 on MPS, which has no float64).

    Raises
    ------
    ValueError
        For integer values beyond ±2**53, which no floating map holds exactly.
    """
    if values.dtype in _FLOAT32_EXACT or values.device.type == "mps":
        return torch.float32
    if values.itemsize == 8 and not values.is_floating_point() and values.numel():
        if values.dtype == torch.int64:
            low, high = torch.aminmax(values)
            peak = max(-int(low), int(high))
        else:  # uint64 has no min/max kernels; its float64 image is enough to compare
            peak = int(values.to(torch.float64).max())
        if peak > _FLOAT64_EXACT_INT:
            raise ValueError(
                f"{name} holds integer labels up to {peak} in magnitude, but a map holds "
                f"labels exactly only up to 2**53 ({_FLOAT64_EXACT_INT}). Re-code them "
                "first, e.g. codes = numpy.unique(target, return_inverse=True)[1]."
            )
    return torch.float64


def build_bmus_data_map(
    som: Any, data: Any, return_indices: bool = False, batch_size: int = 1024
) -> BMUMap | defaultdict[Cell, list[int]]:
    """Which samples each neuron won.

    Parameters
    ----------
    som : SOM
        A trained map.
    data : array-like
        Shape (n_samples, num_features).
    return_indices : bool, default=False
        False (default): a :class:`BMUMap`, ``(row, col)`` → data rows (n_cell,
        num_features), carrying the indices too. True: ``defaultdict(list)`` of ascending
        row-index lists.
    batch_size : int, default=1024
        Samples per BMU search.

    Returns
    -------
    BMUMap or collections.defaultdict
        Only neurons that won a sample appear, in row-major order.
    """
    check_bool("return_indices", return_indices)
    check_int("batch_size", batch_size, 1)
    result = bmus_from_search(som, som.internals.check_data(data, "data"), batch_size)
    return result.index_map() if return_indices else result


def build_hit_map(
    som: Any, data: Any = None, batch_size: int = 1024, bmus_data_map: Any = None
) -> torch.Tensor:
    """Samples per neuron, float32 (x, y); sums to the number of samples.

    Counts come from ``data`` (searched ``batch_size`` rows at a time) or, without data,
    from a ``bmus_data`` map.
    """
    check_int("batch_size", batch_size, 1)
    if data is not None:
        neurons = search_flat_bmus(som, som.internals.check_data(data, "data"), batch_size)
    else:
        _, neurons = bmu_assignment(som, bmus_data_map)
    return to_grid(som, F.hit_map(neurons, n_neurons(som)))


def build_distance_map(
    som: Any,
    distance_metric: Any = None,
    neighborhood_order: int | None = None,
    scaling: str = "sum",
) -> torch.Tensor:
    """U-matrix of the codebook, float32 (x, y) with values in [0, 1].

    Parameters
    ----------
    som : SOM
        The map.
    distance_metric : str or callable, optional
        ``euclidean``, ``cosine``, ``manhattan``, ``chebyshev``, or a row-wise callable
        ``(m, F) × (m, F) → (m,)``. Defaults to the SOM's own distance (a user-supplied
        SOM distance function is used through its data-vs-codebook form).
    neighborhood_order : int, optional
        Neighbour rings (>= 1); defaults to ``som.neighborhood_order``.
    scaling : {"sum", "mean"}, default="sum"
        Sum or mean of the distances to the neighbours; the map is then divided by its
        maximum (when positive).

    Returns
    -------
    torch.Tensor
        Shape (x, y). Neighbours follow the odd-r hexagonal convention on hexagonal
        grids and wrap around when ``pbc`` is on; each distinct neighbour counts once.
    """
    if scaling not in F.U_MATRIX_SCALINGS:
        raise InvalidParameterError(
            f"scaling should be either 'sum' or 'mean'; got scaling={scaling!r}."
        )
    order = som.neighborhood_order if neighborhood_order is None else neighborhood_order
    order = check_int("neighborhood_order", order, 1)
    pairwise = cross = None
    if distance_metric is None:
        if som.distance_fn_name in PAIRWISE_DISTANCE_FUNCTIONS:
            pairwise = PAIRWISE_DISTANCE_FUNCTIONS[som.distance_fn_name]
        else:
            cross = cross_distance_for(som.distance_fn)
    elif callable(distance_metric):
        pairwise = distance_metric
    else:
        pairwise = PAIRWISE_DISTANCE_FUNCTIONS.resolve("distance_metric", distance_metric)
    codebook = som.weights.detach().reshape(n_neurons(som), som.num_features)
    flat = F.distance_map(codebook, neighbor_rows(som, order), scaling, pairwise=pairwise,
                          cross=cross)
    return to_grid(som, flat)


def build_metric_map(
    som: Any, target: Any, bmus_data_map: Any = None, reduction_parameter: str = "mean",
    data: Any = None, batch_size: int = 1024,
) -> torch.Tensor:
    """A statistic of the target per neuron, (x, y), NaN for empty neurons.

    float32 for targets whose dtype fits in float32, float64 otherwise (see the module
    documentation), so ``min``, ``max`` and ``median`` return the target's own values.

    ``reduction_parameter`` is one of ``mean`` (default), ``std`` (unbiased; 1e-8 for a
    single sample), ``median``, ``min``, ``max``; anything else raises an
    :class:`~torchsom.exceptions.InvalidParameterError` naming it.
    """
    check_choice("reduction_parameter", reduction_parameter, F.METRIC_REDUCTIONS)
    check_int("batch_size", batch_size, 1)
    values, neurons, _ = _supervised_inputs(som, "metric", target, bmus_data_map, data,
                                            batch_size)
    return to_grid(som, F.metric_map(values, neurons, n_neurons(som), reduction_parameter,
                                      dtype=_value_dtype(values)))


def build_score_map(
    som: Any, target: Any, bmus_data_map: Any = None, total_samples: int | None = None,
    data: Any = None, batch_size: int = 1024,
) -> torch.Tensor:
    """Score ``max(std / sqrt(n) · ln(total_samples / n), 1e-8)`` per neuron (lower is better).

    ``n`` is the neuron's sample count and ``std`` the unbiased standard deviation of its
    target; 1e-8 for one sample, NaN for none. ``total_samples`` defaults to the number of
    samples in ``data``, or else in the map.
    """
    check_int("batch_size", batch_size, 1)
    values, neurons, n_assigned = _supervised_inputs(som, "score", target, bmus_data_map,
                                                     data, batch_size)
    if total_samples is None:
        total_samples = _length(data) if data is not None else n_assigned
    total_samples = check_int("total_samples", total_samples, 1)
    if total_samples < n_assigned:
        raise ValueError(
            f"total_samples must be at least the number of mapped samples ({n_assigned}); "
            f"got {total_samples}, which would make the scores negative."
        )
    return to_grid(som, F.score_map(values, neurons, n_neurons(som), total_samples))


def build_rank_map(
    som: Any, target: Any, bmus_data_map: Any = None, data: Any = None, batch_size: int = 1024
) -> torch.Tensor:
    """Neurons ranked by the standard deviation of their target, float32 (x, y).

    Rank 1 is the neuron whose target has the **largest** unbiased standard deviation
    (a single-sample neuron counts as 0); equal deviations are ranked in row-major neuron
    order. Empty neurons are NaN.
    """
    check_int("batch_size", batch_size, 1)
    values, neurons, _ = _supervised_inputs(som, "rank", target, bmus_data_map, data,
                                            batch_size)
    return to_grid(som, F.rank_map(values, neurons, n_neurons(som)))


def build_classification_map(
    som: Any, target: Any, bmus_data_map: Any = None, neighborhood_order: int | None = None,
    data: Any = None, batch_size: int = 1024,
) -> torch.Tensor:
    """Majority label per neuron, (x, y), NaN for empty neurons.

    The labels are kept exactly: float32 for targets whose dtype fits in float32, float64
    otherwise (see the module documentation).

    Ties between a neuron's most frequent labels are broken among those tied labels only,
    by the labels of the samples in its neighbour neurons up to ``neighborhood_order``
    (default ``som.neighborhood_order``; 0 disables it; wrapped when ``pbc`` is on), then
    by the smallest label. Deterministic; label 0 is a label like any other.
    """
    order = som.neighborhood_order if neighborhood_order is None else neighborhood_order
    order = check_int("neighborhood_order", order, 0)
    check_int("batch_size", batch_size, 1)
    values, neurons, _ = _supervised_inputs(som, "classification", target, bmus_data_map,
                                            data, batch_size)
    _warn_if_continuous(values)
    flat = F.classification_map(values, neurons, n_neurons(som), neighbor_rows(som, order),
                                dtype=_value_dtype(values))
    return to_grid(som, flat)


#: a classification target with at least this many distinct values, and at least half as
#: many as samples, looks continuous
_MANY_CLASSES = 50


def _warn_if_continuous(labels: torch.Tensor) -> None:
    """Warn when a classification target has about as many distinct values as samples."""
    n_classes = int(torch.unique(labels).numel())
    if n_classes >= _MANY_CLASSES and 2 * n_classes >= labels.shape[0]:
        warnings.warn(
            f"target has {n_classes} distinct values among {labels.shape[0]} samples: the "
            "classification map treats every distinct value as a class (its memory grows "
            "with neurons × classes), so a continuous target gives a meaningless map. "
            "For a continuous target use build_map('metric') instead.",
            TorchSOMWarning,
            stacklevel=5,  # the caller of SOM.build_map
        )


MAP_FUNCTIONS = {
    "hit": build_hit_map,
    "distance": build_distance_map,
    "bmus_data": build_bmus_data_map,
    "metric": build_metric_map,
    "score": build_score_map,
    "rank": build_rank_map,
    "classification": build_classification_map,
}
