"""Maps over the grid and sample retrieval for a trained SOM.

This module checks arguments and turns a SOM plus data into the tensors that the kernels
of :mod:`torchsom.functional.maps` work on. :meth:`SOM.build_map
<torchsom.core.som.SOM.build_map>`, :meth:`~torchsom.core.som.SOM.build_multiple_maps` and
:meth:`~torchsom.core.som.SOM.collect_samples` call the functions here.

Map types
---------
``hit``
    Samples per neuron, float32 (x, y); 0 for unused neurons.
``distance``
    U-matrix: each neuron's feature distance to its grid neighbours (odd-r hexagonal
    neighbours on hexagonal grids, wrapped when ``pbc`` is on), "sum" or "mean" of them,
    divided by the map's maximum so values lie in [0, 1].
``bmus_data``
    Which samples each neuron won, see :class:`BMUMap`.
``metric``
    A statistic of the target per neuron (``reduction_parameter``, default "mean").
``score``
    ``std / sqrt(n) · ln(total_samples / n)`` per neuron (lower is better).
``rank``
    Neurons ranked by the standard deviation of their target; rank 1 = largest.
``classification``
    Majority label per neuron with a deterministic tie-break.

Every statistics map is (x, y) with NaN for neurons that hold no sample. The ``metric``
and ``classification`` maps carry target values, so they keep them exactly: they are
float32 when the target's dtype fits in float32 (float32, float16, bfloat16, int8,
uint8, int16) and float64 otherwise (float64 and wider integer targets, e.g. Python or
numpy ints); integer labels beyond ±2**53 are refused with a ``ValueError``. The
``score`` and ``rank`` maps are float32.

The ``bmus_data`` map in its two forms
--------------------------------------
``build_map("bmus_data", data=X)`` returns a :class:`BMUMap` by default: a dict from
``(row, col)`` to the stacked data rows the neuron won, shape (n_cell, num_features),
which also remembers the row indices in its :attr:`BMUMap.indices`. With
``return_indices=True`` it returns a ``defaultdict(list)`` from ``(row, col)`` to the list
of row indices (ascending). Every consumer (the supervised maps, ``collect_samples``,
the plots) accepts either form, and also a plain dict of index lists or of data rows
(the latter needs the data it came from, to recover the row indices).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from torchsom._registry import check_choice
from torchsom._validation import as_target, check_bool, check_int
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional import maps as F
from torchsom.functional.distances import PAIRWISE_DISTANCE_FUNCTIONS, cross_distance_for
from torchsom.topology.neighbors import neighbor_table

__all__ = [
    "BMUMap",
    "MAP_TYPES",
    "SUPERVISED_MAP_TYPES",
    "RETRIEVAL_MODES",
    "MAP_FUNCTIONS",
    "build_map",
    "build_multiple_maps",
    "build_hit_map",
    "build_distance_map",
    "build_bmus_data_map",
    "build_metric_map",
    "build_score_map",
    "build_rank_map",
    "build_classification_map",
    "bmu_assignment",
    "collect_samples",
    "collect_samples_batch",
    "retrieval_indices",
]

MAP_TYPES = ("hit", "distance", "bmus_data", "metric", "score", "rank", "classification")
SUPERVISED_MAP_TYPES = ("metric", "score", "rank", "classification")
RETRIEVAL_MODES = ("bmu_only", "bmu_neighborhood", "bmu_neighborhood_knn")

# keyword arguments each map type accepts (besides data / target / bmus_data_map)
_MAP_KWARGS: dict[str, tuple[str, ...]] = {
    "hit": ("batch_size",),
    "distance": ("distance_metric", "neighborhood_order", "scaling"),
    "bmus_data": ("return_indices", "batch_size"),
    "metric": ("reduction_parameter", "batch_size"),
    "score": ("total_samples", "batch_size"),
    "rank": ("batch_size",),
    "classification": ("neighborhood_order", "batch_size"),
}

Cell = tuple[int, int]


class BMUMap(defaultdict):
    """The default form of a ``bmus_data`` map: ``(row, col)`` → data rows.

    A ``defaultdict(list)`` keyed by ``(row, col)`` Python-int tuples, in row-major order,
    holding only neurons that won at least one sample. Each value is the stacked data
    rows the neuron won, shape (n_cell, num_features), on the SOM's device.

    Attributes
    ----------
    indices : dict
        ``(row, col)`` → ascending list of the row indices (into the data the map was
        built from) behind each value. Consumers read it, so the map can be handed to the
        supervised maps, :meth:`SOM.collect_samples` or the plots as it is.
    """

    def __init__(self, default_factory: Any = list, *args: Any,
                 indices: Mapping[Cell, list[int]] | None = None, **kwargs: Any) -> None:
        super().__init__(default_factory, *args, **kwargs)
        if indices is None and args and isinstance(args[0], BMUMap):
            indices = args[0].indices
        self.indices: dict[Cell, list[int]] = {k: list(v) for k, v in (indices or {}).items()}

    def __reduce__(self) -> Any:
        return (type(self), (self.default_factory,), {"indices": self.indices}, None,
                iter(self.items()))

    def index_map(self) -> defaultdict[Cell, list[int]]:
        """The same map in index form: ``defaultdict(list)`` of row-index lists."""
        out: defaultdict[Cell, list[int]] = defaultdict(list)
        for key in self:
            out[key] = list(self.indices.get(key, []))
        return out


# ---------------------------------------------------------------------------- helpers
def _n_neurons(som: Any) -> int:
    return som.x * som.y


def _cells(som: Any, flat: torch.Tensor) -> list[Cell]:
    rows = (flat // som.y).tolist()
    cols = (flat % som.y).tolist()
    return list(zip(rows, cols))


def _flat_bmus(som: Any, samples: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Flat BMU of every row of checked ``samples``, searched ``batch_size`` rows at a time."""
    weights = som.weights.detach()
    parts = []
    for start in range(0, samples.shape[0], batch_size):
        _, idx = som._search_strategy.search(samples[start : start + batch_size], weights, k=1)
        parts.append(idx[:, 0].to(samples.device))
    return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long,
                                                      device=samples.device)


def _table(som: Any, order: int) -> torch.Tensor:
    """Distinct neighbours up to ``order`` of every neuron, (n_neurons, k), -1 padded."""
    device = som.weights.device
    if order == 0:
        return torch.empty(_n_neurons(som), 0, dtype=torch.long, device=device)
    raw = neighbor_table(som.x, som.y, som.topology, order, som.pbc, device=device)
    return F.dedupe_neighbors(raw)


def _is_int_dtype(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return not value.is_floating_point() and not value.is_complex() and (
            value.dtype != torch.bool
        )
    return np.asarray(value).dtype.kind in "iu"


def _check_key(som: Any, key: Any, name: str) -> Cell:
    if (
        not isinstance(key, tuple)
        or len(key) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in key)
    ):
        raise ValueError(
            f"{name} keys must be (row, col) tuples of ints; got the key {key!r}."
        )
    row, col = int(key[0]), int(key[1])
    if not (0 <= row < som.x and 0 <= col < som.y):
        raise ValueError(
            f"{name} has the key {key!r}, outside this {som.x}x{som.y} grid "
            f"(rows 0..{som.x - 1}, cols 0..{som.y - 1})."
        )
    return row, col


def bmu_assignment(
    som: Any, bmus_data_map: Any, data: torch.Tensor | None = None,
    name: str = "bmus_data_map",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn a ``bmus_data`` map in any form into an assignment.

    Parameters
    ----------
    som : SOM
        The map the keys refer to.
    bmus_data_map : dict
        A :class:`BMUMap`, a dict of row-index lists (or 1-D integer tensors / arrays), or
        a dict of stacked data rows (shape (n_cell, num_features)).
    data : torch.Tensor, optional
        Checked data, shape (n_samples, num_features); needed only to recover indices
        from data rows that carry none.
    name : str
        Argument name for error messages.

    Returns
    -------
    samples, neurons : torch.Tensor
        int64 on the SOM's device, equal length: a row index and its flat neuron.

    Raises
    ------
    TypeError
        If the map is not a dict.
    ValueError
        For bad keys or values, negative indices, or data rows given without ``data``.
    """
    if not isinstance(bmus_data_map, Mapping):
        raise TypeError(
            f"{name} must be a dict from (row, col) to sample indices or data rows, as "
            f"returned by build_map('bmus_data'); got {type(bmus_data_map).__name__}."
        )
    device = som.weights.device
    known = bmus_data_map.indices if isinstance(bmus_data_map, BMUMap) else {}
    index_parts: list[torch.Tensor] = []
    index_cells: list[int] = []
    vector_parts: list[torch.Tensor] = []
    vector_cells: list[int] = []
    for key, value in bmus_data_map.items():
        row, col = _check_key(som, key, name)
        flat = row * som.y + col
        if key in known:
            value = known[key]
        if isinstance(value, (list, tuple, range)) or (
            isinstance(value, (torch.Tensor, np.ndarray)) and np.ndim(value) <= 1
            and (_is_int_dtype(value) or len(value) == 0)
        ):
            if len(value) == 0:
                continue
            if not _is_int_dtype(value) and not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
            ):
                raise ValueError(
                    f"{name}[{key!r}] must be a list of sample indices (ints) or the data "
                    f"rows of that neuron; got a {type(value).__name__} holding non-integers."
                )
            part = _index_tensor(value, device, f"{name}[{key!r}]")
            index_parts.append(part)
            index_cells.append(flat)
        elif isinstance(value, (torch.Tensor, np.ndarray)) and np.ndim(value) == 2:
            if value.shape[0] == 0:
                continue
            rows = torch.as_tensor(value, device=device)
            if rows.shape[1] != som.num_features:
                raise ValueError(
                    f"{name}[{key!r}] holds data rows of shape {tuple(rows.shape)}; this map "
                    f"expects (n_cell, {som.num_features})."
                )
            vector_parts.append(rows)
            vector_cells.append(flat)
        else:
            raise ValueError(
                f"{name}[{key!r}] must be a list of sample indices or a 2-D tensor of data "
                f"rows; got {type(value).__name__} with shape {np.shape(value)}."
            )
    samples = [torch.empty(0, dtype=torch.long, device=device)]
    neurons = [torch.empty(0, dtype=torch.long, device=device)]
    if index_parts:
        sizes = torch.tensor([p.shape[0] for p in index_parts], device=device)
        samples.append(torch.cat(index_parts))
        neurons.append(torch.repeat_interleave(torch.tensor(index_cells, device=device), sizes))
    if vector_parts:
        if data is None:
            raise ValueError(
                f"{name} holds data rows without their sample indices (a plain dict of "
                "tensors); pass the data it was built from as well (data=...), or build it "
                "with build_map('bmus_data', data=..., return_indices=True)."
            )
        sizes = torch.tensor([p.shape[0] for p in vector_parts], device=device)
        groups = torch.repeat_interleave(torch.tensor(vector_cells, device=device), sizes)
        found, owner = F.match_rows(data, torch.cat(vector_parts).to(data), groups)
        samples.append(found.to(device))
        neurons.append(owner.to(device))
    samples_t, neurons_t = torch.cat(samples), torch.cat(neurons)
    if samples_t.numel() and int(samples_t.min()) < 0:
        raise ValueError(f"{name} holds a negative sample index ({int(samples_t.min())}).")
    _check_no_repeats(som, samples_t, neurons_t, name)
    return samples_t, neurons_t


def _index_tensor(value: Any, device: Any, name: str) -> torch.Tensor:
    """Sample indices (a list, array or tensor of ints) as int64 on ``device``."""
    if isinstance(value, torch.Tensor):
        return value.to(device=device, dtype=torch.long).reshape(-1)
    try:
        array = np.asarray(value, dtype=np.int64)
    except OverflowError:
        largest = max((int(v) for v in value), key=abs)
        raise ValueError(
            f"{name} holds the sample index {largest}, beyond the int64 range; sample "
            "indices are row numbers of the data the map was built from."
        ) from None
    return torch.as_tensor(array, device=device).reshape(-1)


def _check_no_repeats(som: Any, samples: torch.Tensor, neurons: torch.Tensor,
                      name: str) -> None:
    """Each sample has one BMU: refuse a map that lists a sample index twice."""
    if samples.numel() < 2:
        return
    ordered, order = torch.sort(samples, stable=True)
    repeated = (ordered[1:] == ordered[:-1]).nonzero()
    if repeated.numel():
        at = int(repeated[0, 0])
        cells = _cells(som, neurons[order[at : at + 2]])
        raise ValueError(
            f"{name} lists sample index {int(ordered[at])} more than once (under "
            f"{cells[0]} and {cells[1]}); each sample belongs to exactly one neuron, its "
            "best-matching unit, as in build_map('bmus_data')."
        )


def _check_indices_fit(samples: torch.Tensor, n_samples: int, name: str, against: str) -> None:
    if samples.numel() and int(samples.max()) >= n_samples:
        raise ValueError(
            f"{name} refers to sample index {int(samples.max())} but {against} has "
            f"{n_samples} rows; the map must come from the same data."
        )


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
    samples_data = None if data is None else som._check_data(data, "data")
    if bmus_data_map is None:
        samples = torch.arange(samples_data.shape[0], device=device)
        neurons = _flat_bmus(som, samples_data, batch_size)
    else:
        samples, neurons = bmu_assignment(som, bmus_data_map, samples_data)
    n_rows = samples_data.shape[0] if samples_data is not None else _length(target)
    checked = as_target(target, n_samples=n_rows, name="target", device=device)
    checked = _single_output(checked, map_type)
    _check_indices_fit(samples, checked.shape[0], "bmus_data_map", "target")
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


def _to_grid(som: Any, flat: torch.Tensor) -> torch.Tensor:
    return flat.reshape(som.x, som.y)


# ---------------------------------------------------------------------------- builders
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
    result = _bmus_from_search(som, som._check_data(data, "data"), batch_size)
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
        neurons = _flat_bmus(som, som._check_data(data, "data"), batch_size)
    else:
        _, neurons = bmu_assignment(som, bmus_data_map)
    return _to_grid(som, F.hit_map(neurons, _n_neurons(som)))


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
    codebook = som.weights.detach().reshape(_n_neurons(som), som.num_features)
    flat = F.distance_map(codebook, _table(som, order), scaling, pairwise=pairwise, cross=cross)
    return _to_grid(som, flat)


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
    return _to_grid(som, F.metric_map(values, neurons, _n_neurons(som), reduction_parameter,
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
    return _to_grid(som, F.score_map(values, neurons, _n_neurons(som), total_samples))


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
    return _to_grid(som, F.rank_map(values, neurons, _n_neurons(som)))


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
    flat = F.classification_map(values, neurons, _n_neurons(som), _table(som, order),
                                dtype=_value_dtype(values))
    return _to_grid(som, flat)


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


def _check_map_type(map_type: Any) -> str:
    if map_type not in MAP_TYPES:
        check_choice("map_type", map_type, MAP_TYPES,
                     f"Invalid map_type {map_type!r}. Available map types")
    return map_type


def _check_kwargs(map_type: str, kwargs: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(kwargs) - set(_MAP_KWARGS[map_type]))
    if unknown:
        accepted = ", ".join(_MAP_KWARGS[map_type]) or "none"
        raise TypeError(
            f"{where} got unexpected keyword argument(s) {', '.join(map(repr, unknown))} "
            f"for map type {map_type!r}; accepted: {accepted}."
        )


def build_map(
    som: Any, map_type: str, data: Any = None, target: Any = None, bmus_data_map: Any = None,
    **kwargs: Any,
) -> Any:
    """Build one map; see the module docstring for the map types.

    Parameters
    ----------
    som : SOM
        The map.
    map_type : str
        One of ``hit``, ``distance``, ``bmus_data``, ``metric``, ``score``, ``rank``,
        ``classification``.
    data : array-like, optional
        Shape (n_samples, num_features). Needed by ``hit`` and ``bmus_data``; the
        supervised maps need ``data`` or ``bmus_data_map``.
    target : array-like, optional
        Shape (n_samples,) (or (n_samples, 1)); needed by the supervised maps.
    bmus_data_map : dict, optional
        A ``bmus_data`` map in either form (used instead of searching ``data``).
    **kwargs
        Options of the map type: ``batch_size`` (hit, bmus_data, supervised maps);
        ``return_indices`` (bmus_data); ``distance_metric``, ``neighborhood_order``,
        ``scaling`` (distance); ``reduction_parameter`` (metric); ``total_samples``
        (score); ``neighborhood_order`` (classification).

    Returns
    -------
    torch.Tensor or dict
        A float32 (x, y) tensor, or the ``bmus_data`` dict.

    Raises
    ------
    ValueError
        For an unknown map type or a missing input.
    TypeError
        For a keyword argument the map type does not take.
    """
    map_type = _check_map_type(map_type)
    _check_kwargs(map_type, kwargs, f"build_map({map_type!r})")
    if map_type in SUPERVISED_MAP_TYPES:
        if target is None:
            raise ValueError(f"Map type '{map_type}' requires target parameter.")
        if data is None and bmus_data_map is None:
            raise ValueError(
                f"Map type '{map_type}' requires either data or bmus_data_map parameter."
            )
        return MAP_FUNCTIONS[map_type](som, target, bmus_data_map, data=data, **kwargs)
    if map_type == "distance":
        return build_distance_map(som, **kwargs)
    if map_type == "hit" and data is None and bmus_data_map is not None:
        return build_hit_map(som, bmus_data_map=bmus_data_map, **kwargs)
    if data is None:
        raise ValueError(f"Map type '{map_type}' requires data parameter.")
    return MAP_FUNCTIONS[map_type](som, data, **kwargs)


def _config_key(map_type: str, kwargs: Mapping[str, Any]) -> str:
    if not kwargs:
        return map_type
    return map_type + "_" + "_".join(f"{k}={kwargs[k]}" for k in sorted(kwargs))


def build_multiple_maps(
    som: Any, map_configs: Sequence[Mapping[str, Any]], data: Any, target: Any = None,
    batch_size: int = 1024,
) -> dict[str, Any]:
    """Build several maps from one BMU search of ``data``.

    Parameters
    ----------
    som : SOM
        The map.
    map_configs : list of dict
        Each ``{"type": map_type, "kwargs": {...}}`` (``kwargs`` optional). Every map
        type is supported, ``distance`` included.
    data : array-like
        Shape (n_samples, num_features), searched once in chunks of ``batch_size``.
    target : array-like, optional
        Needed when a supervised map is requested.
    batch_size : int, default=1024
        Samples per BMU search.

    Returns
    -------
    dict
        One entry per config. The key is the map type when the config has no kwargs,
        otherwise ``"<type>_<name>=<value>_..."`` with the kwargs sorted by name, e.g.
        ``"metric_reduction_parameter=std"``; it is the same in every process.

    Raises
    ------
    ValueError
        For a malformed config, two configs with the same key, or a supervised map
        without ``target``.
    """
    if isinstance(map_configs, Mapping) or not isinstance(map_configs, Sequence):
        raise TypeError(
            "map_configs must be a list of dicts like {'type': 'hit', 'kwargs': {}}; got "
            f"{type(map_configs).__name__}."
        )
    check_int("batch_size", batch_size, 1)
    plans: list[tuple[str, str, dict[str, Any]]] = []
    for position, config in enumerate(map_configs):
        if not isinstance(config, Mapping) or "type" not in config:
            raise ValueError(
                f"map_configs[{position}] must be a dict with a 'type' key (and optional "
                f"'kwargs'); got {config!r}."
            )
        extra = sorted(set(config) - {"type", "kwargs"})
        if extra:
            raise ValueError(
                f"map_configs[{position}] has unknown key(s) {extra}; only 'type' and "
                "'kwargs' are read."
            )
        map_type = _check_map_type(config["type"])
        options = config.get("kwargs")
        if options is not None and not isinstance(options, Mapping):
            raise TypeError(
                f"map_configs[{position}]['kwargs'] must be a dict of options for the "
                f"{map_type!r} map (e.g. {{'batch_size': 512}}); got {options!r} of type "
                f"{type(options).__name__}."
            )
        kwargs = dict(options or {})
        _check_kwargs(map_type, kwargs, f"map_configs[{position}]")
        if map_type in SUPERVISED_MAP_TYPES and target is None:
            raise ValueError(f"Map type '{map_type}' requires target parameter.")
        key = _config_key(map_type, kwargs)
        if any(key == planned for planned, _, _ in plans):
            raise ValueError(f"map_configs[{position}] repeats the map {key!r}.")
        plans.append((key, map_type, kwargs))
    needs_search = any(map_type != "distance" for _, map_type, _ in plans)
    results: dict[str, Any] = {}
    shared: BMUMap | None = None
    if needs_search:
        samples = som._check_data(data, "data")
        shared = _bmus_from_search(som, samples, batch_size)
    for key, map_type, kwargs in plans:
        kwargs.pop("batch_size", None)
        if map_type == "distance":
            results[key] = build_distance_map(som, **kwargs)
        elif map_type == "bmus_data":
            wants_indices = check_bool("return_indices", kwargs.get("return_indices", False))
            results[key] = shared.index_map() if wants_indices else shared
        elif map_type == "hit":
            results[key] = build_hit_map(som, bmus_data_map=shared)
        else:
            results[key] = MAP_FUNCTIONS[map_type](som, target, shared, data=data, **kwargs)
    return results


def _bmus_from_search(som: Any, samples: torch.Tensor, batch_size: int) -> BMUMap:
    neurons = _flat_bmus(som, samples, batch_size)
    members, ptr = F.group_members(
        torch.arange(samples.shape[0], device=samples.device), neurons, _n_neurons(som)
    )
    counts = ptr[1:] - ptr[:-1]
    active = counts.nonzero().squeeze(1)
    sizes = counts[active].tolist()
    keys = _cells(som, active)
    index_lists = [part.tolist() for part in torch.split(members, sizes)]
    result = BMUMap(list, indices=dict(zip(keys, index_lists)))
    result.update(zip(keys, torch.split(samples[members], sizes)))
    return result


# ---------------------------------------------------------------------------- retrieval
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
    _check_indices_fit(member_rows, samples.shape[0], "bmus_idx_map", "historical_samples")
    members, ptr = F.group_members(member_rows, neurons, _n_neurons(som))
    bmus = _flat_bmus(som, queries, max(1, queries.shape[0]))
    table = None if retrieval_mode == "bmu_only" else _table(som, som.neighborhood_order)
    fallback = None
    if retrieval_mode == "bmu_neighborhood_knn":
        codebook = som.weights.detach().reshape(_n_neurons(som), som.num_features)

        def fallback(rows: torch.Tensor) -> torch.Tensor:
            return som._cross_distance(queries[rows], codebook)

    return F.retrieval_buffers(bmus, members, ptr, table, fallback, int(min_buffer_threshold))


def _check_retrieval_args(min_buffer_threshold: Any, return_indices: Any,
                          retrieval_mode: Any) -> None:
    check_choice("retrieval_mode", retrieval_mode, RETRIEVAL_MODES,
                 "Invalid retrieval_mode")
    check_int("min_buffer_threshold", min_buffer_threshold, 0)
    check_bool("return_indices", return_indices)


def _history(som: Any, historical_samples: Any, historical_outputs: Any) -> tuple[
    torch.Tensor, torch.Tensor
]:
    samples = som._check_data(historical_samples, "historical_samples")
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
    query = som._check_data(query_sample, "query_sample")
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
    queries = som._check_data(query_samples, "query_samples")
    samples, outputs = _history(som, historical_samples, historical_outputs)
    indices, offsets = retrieval_indices(som, queries, samples, bmus_idx_map,
                                         min_buffer_threshold, retrieval_mode)
    sizes = (offsets[1:] - offsets[:-1]).tolist()
    rows, outs = samples[indices], outputs[indices]
    if return_indices:
        return list(zip(torch.split(rows, sizes), torch.split(outs, sizes),
                        torch.split(indices, sizes)))
    return list(zip(torch.split(rows, sizes), torch.split(outs, sizes)))

