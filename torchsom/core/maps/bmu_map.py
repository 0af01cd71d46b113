"""The ``bmus_data`` map in its two forms, and reading either form back.

``build_map("bmus_data", data=X)`` returns a :class:`BMUMap` by default: a dict from
``(row, col)`` to the stacked data rows the neuron won, shape (n_cell, num_features),
which also remembers the row indices in its :attr:`BMUMap.indices`. With
``return_indices=True`` it returns a ``defaultdict(list)`` from ``(row, col)`` to the list
of row indices (ascending). Every consumer (the supervised maps, ``collect_samples``,
the plots) accepts either form, and also a plain dict of index lists or of data rows
(the latter needs the data it came from, to recover the row indices):
:func:`bmu_assignment` turns any of them into one (sample, neuron) assignment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from torchsom.core.maps._neurons import Cell, cells, n_neurons
from torchsom.functional.members import group_members, match_rows

__all__ = [
    "BMUMap",
    "bmu_assignment",
    "bmus_from_search",
    "check_indices_fit",
    "search_flat_bmus",
]

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


def search_flat_bmus(som: Any, samples: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Flat BMU of every row of checked ``samples``, searched ``batch_size`` rows at a time
    by the map's search backend; int64 (n_samples,) on the samples' device."""
    search = som.internals.search
    parts = []
    for start in range(0, samples.shape[0], batch_size):
        _, idx = search(samples[start : start + batch_size], k=1)
        parts.append(idx[:, 0].to(samples.device))
    return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long,
                                                      device=samples.device)


def bmus_from_search(som: Any, samples: torch.Tensor, batch_size: int) -> BMUMap:
    """The :class:`BMUMap` of checked ``samples``, from one chunked BMU search."""
    neurons = search_flat_bmus(som, samples, batch_size)
    members, ptr = group_members(
        torch.arange(samples.shape[0], device=samples.device), neurons, n_neurons(som)
    )
    counts = ptr[1:] - ptr[:-1]
    active = counts.nonzero().squeeze(1)
    sizes = counts[active].tolist()
    keys = cells(som, active)
    index_lists = [part.tolist() for part in torch.split(members, sizes)]
    result = BMUMap(list, indices=dict(zip(keys, index_lists)))
    result.update(zip(keys, torch.split(samples[members], sizes)))
    return result


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
        found, owner = match_rows(data, torch.cat(vector_parts).to(data), groups)
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
        pair = cells(som, neurons[order[at : at + 2]])
        raise ValueError(
            f"{name} lists sample index {int(ordered[at])} more than once (under "
            f"{pair[0]} and {pair[1]}); each sample belongs to exactly one neuron, its "
            "best-matching unit, as in build_map('bmus_data')."
        )


def check_indices_fit(samples: torch.Tensor, n_samples: int, name: str, against: str) -> None:
    """Refuse sample indices at or beyond ``n_samples`` (the rows of ``against``)."""
    if samples.numel() and int(samples.max()) >= n_samples:
        raise ValueError(
            f"{name} refers to sample index {int(samples.max())} but {against} has "
            f"{n_samples} rows; the map must come from the same data."
        )
