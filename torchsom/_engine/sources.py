"""Where a fit's samples come from: one interface over in-memory and out-of-core data.

Every source delivers a pass over its data as a sequence of :class:`Chunk` objects,
checked (features, finiteness) and converted to the map's dtype and device one chunk at a
time; the fit driver feeds them to the training rule. Sources, the passes each needs and
how they are ordered:

========================================  =================  ==============================
source                                    passes             order within a pass
========================================  =================  ==============================
tensor, numpy array, DataFrame, list      one per epoch      full shuffle (mini-batch rule)
numpy memmap, path to a ``.npy`` file     one per epoch      chunked shuffle (mini-batch)
``torch.utils.data.DataLoader``           one per epoch      the loader's own (its sampler)
callable returning an iterable            one per epoch      as yielded
re-iterable of batches (list of arrays)   one per epoch      as yielded
iterator / generator (single pass)        one in all         as yielded
========================================  =================  ==============================

A memmap (or ``.npy`` file, opened as a memmap) is read in blocks of rows; only one block
is in memory at a time. With the mini-batch rule each pass visits the blocks in a random
order and shuffles the rows within each block (both from the map's generator); samples
of one block therefore always share their mini-batches' neighbourhood, which matters only
for files sorted by some property (shuffle such a file once on disk). The batch rule needs
no order and reads the blocks in sequence.

A single-pass iterator is read once; the map's ``epochs`` schedule steps are spread over
it by sample count, so the total count must be known up front (``n_samples=`` or
``len()``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from torchsom._validation import as_data

__all__ = ["Chunk", "DataSource", "TensorSource", "ArraySource", "IterableSource", "as_source",
           "is_stream"]

#: bytes of raw samples per block read from a memmap
BLOCK_BYTES = 16 * 1024 * 1024


@dataclass
class Chunk:
    """One block of samples of a pass.

    Attributes
    ----------
    samples : torch.Tensor
        Shape (m, F), checked, in the map's dtype and on its device.
    order : torch.Tensor or None
        Shape (m,): the order in which to use the rows (None: as they are).
    index : int
        Position of the chunk in the pass (0-based).
    start : int
        Number of samples delivered before it in the pass.
    """

    samples: torch.Tensor
    order: torch.Tensor | None
    index: int
    start: int


class DataSource:
    """A source of samples, read pass by pass (see the module table).

    Attributes
    ----------
    kind : str
        What the source is, for messages ("numpy memmap", "DataLoader", ...).
    reiterable : bool
        Whether it can be read more than once.
    n_samples : int or None
        Samples per pass, when known before reading.
    one_chunk : bool
        Whether a pass is always one chunk (in-memory data).
    """

    kind = "source"
    reiterable = True
    one_chunk = False

    def __init__(self, features: int, dtype: torch.dtype, device: torch.device | str) -> None:
        self.features, self.dtype, self.device = features, dtype, device
        self.n_samples: int | None = None

    def chunks(self, generator: torch.Generator, shuffle: bool,
               skip: int = 0) -> Iterator[Chunk]:
        """One pass, as chunks; the first ``skip`` chunks are read but not returned.

        Parameters
        ----------
        generator : torch.Generator
            Draws the pass's order when ``shuffle`` (at the start of the pass, the same
            draws whatever ``skip`` is).
        shuffle : bool
            Whether the rule needs shuffled samples.
        skip : int
            Chunks already used (a resumed pass).
        """
        raise NotImplementedError

    def _checked(self, raw: Any, index: int, start: int) -> torch.Tensor | None:
        """``raw`` as a checked (m, F) tensor, None for an empty chunk; errors name it."""
        if isinstance(raw, (tuple, list)) and raw and _is_array(raw[0]):
            raw = raw[0]  # (inputs, targets) pairs: the inputs
        shape = getattr(raw, "shape", None)
        if shape is not None and len(shape) >= 1 and shape[0] == 0:
            return None
        name = f"chunk {index} of the {self.kind} (after {start} samples)"
        return as_data(raw, name=name, num_features=self.features, dtype=self.dtype,
                       device=self.device)


def _is_array(value: Any) -> bool:
    return isinstance(value, (torch.Tensor, np.ndarray)) or hasattr(value, "to_numpy")


class TensorSource(DataSource):
    """In-memory samples (already checked): one chunk per pass, fully shuffled."""

    kind = "data"
    one_chunk = True

    def __init__(self, samples: torch.Tensor) -> None:
        super().__init__(samples.shape[1], samples.dtype, samples.device)
        self.samples = samples
        self.n_samples = samples.shape[0]

    def chunks(self, generator, shuffle, skip=0):
        order = None
        if shuffle:
            order = torch.randperm(self.n_samples, generator=generator).to(self.samples.device)
        if skip == 0:
            yield Chunk(self.samples, order, 0, 0)


class ArraySource(DataSource):
    """A numpy memmap (or ``.npy`` file opened as one), read in blocks of rows.

    Parameters
    ----------
    array : numpy.ndarray
        Shape (n, F), usually a memmap.
    block_rows : int
        Rows per block (rounded to a multiple of ``multiple``).
    multiple : int
        The mini-batch size, so that blocks hold whole batches.
    """

    kind = "numpy memmap"

    def __init__(self, array: np.ndarray, features: int, dtype: torch.dtype,
                 device: torch.device | str, multiple: int = 1,
                 block_rows: int | None = None, name: str = "data") -> None:
        super().__init__(features, dtype, device)
        if array.ndim != 2:
            raise ValueError(f"{name} must have shape (n_samples, num_features); got "
                             f"{array.ndim}-D shape {array.shape}.")
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{name} must hold real numbers (float or int); got numpy dtype "
                            f"{array.dtype}.")
        if array.shape[0] == 0:
            raise ValueError(f"{name} is empty (shape {array.shape}); at least one sample is "
                             "needed (an empty shard?).")
        if array.shape[1] != features:
            raise ValueError(f"{name} must have {features} features (shape (n_samples, "
                             f"{features})); got shape {array.shape} with {array.shape[1]} "
                             "features.")
        self.array = array
        self.n_samples = array.shape[0]
        rows = block_rows or max(1, BLOCK_BYTES // max(1, features * array.dtype.itemsize))
        multiple = max(1, multiple)
        self.block_rows = max(multiple, rows // multiple * multiple)

    def chunks(self, generator, shuffle, skip=0):
        n, rows = self.n_samples, self.block_rows
        count = -(-n // rows)
        if shuffle:  # the pass's draws happen here, before any block is read
            blocks = torch.randperm(count, generator=generator).tolist()
            seed = int(torch.randint(0, 2**62, (1,), generator=generator))
        else:
            blocks, seed = list(range(count)), 0
        start = sum(min(rows, n - b * rows) for b in blocks[:skip])
        for position in range(skip, count):
            block = blocks[position]
            raw = np.asarray(self.array[block * rows : min(n, (block + 1) * rows)])
            samples = self._checked(raw, position, start)
            order = None
            if shuffle:
                own = torch.Generator().manual_seed(seed + position)
                order = torch.randperm(samples.shape[0], generator=own).to(samples.device)
            yield Chunk(samples, order, position, start)
            start += samples.shape[0]


class IterableSource(DataSource):
    """Batches from a DataLoader, a callable returning an iterable, a re-iterable, or a
    single-pass iterator. Each batch is a tensor, an array, a DataFrame or an
    ``(inputs, targets)`` pair; the engine does not reorder them."""

    def __init__(self, data: Any, features: int, dtype: torch.dtype,
                 device: torch.device | str, kind: str) -> None:
        super().__init__(features, dtype, device)
        self.data, self.kind = data, kind
        self.reiterable = kind != "iterator"
        self._used = False
        self._epoch = 0

    def _iterable(self) -> Iterable[Any]:
        if self.kind == "callable":
            made = self.data()
            if not hasattr(made, "__iter__"):
                raise TypeError(f"data is a callable, so it must return an iterable of "
                                f"batches; it returned {type(made).__name__}.")
            return made
        if self.kind == "iterator":
            if self._used:
                raise ValueError("data is a single-pass iterator and was already read; pass "
                                 "a fresh one (or a callable that returns one per pass).")
            self._used = True
        return self.data

    def chunks(self, generator, shuffle, skip=0):
        sampler = getattr(self.data, "sampler", None)
        if hasattr(sampler, "set_epoch"):  # DistributedSampler: a new order per pass
            sampler.set_epoch(self._epoch)
        self._epoch += 1
        start, index = 0, 0
        for raw in self._iterable():
            samples = self._checked(raw, index, start)
            if samples is None:
                continue
            if index >= skip:
                yield Chunk(samples, None, index, start)
            index += 1
            start += samples.shape[0]


def is_stream(data: Any) -> bool:
    """Whether ``data`` is read as a stream (not as one in-memory array)."""
    if isinstance(data, torch.Tensor) or hasattr(data, "to_numpy"):
        return False
    if isinstance(data, np.ndarray):
        return isinstance(data, np.memmap)
    if isinstance(data, (str, os.PathLike)):
        return True
    if isinstance(data, Mapping):
        return False
    if isinstance(data, (list, tuple)):
        return bool(data) and _is_array(data[0]) and getattr(data[0], "ndim", 0) == 2
    return callable(data) or hasattr(data, "__iter__")


def as_source(data: Any, *, features: int, dtype: torch.dtype, device: torch.device | str,
              batch_size: int = 1, n_samples: int | None = None,
              check: Callable[[Any], torch.Tensor] | None = None) -> DataSource:
    """The :class:`DataSource` for ``data`` (see the module table).

    Parameters
    ----------
    data : any
        Samples: an array-like, a memmap or ``.npy`` path, a DataLoader, a callable
        returning an iterable of batches, or an iterable of batches.
    features : int
        Expected number of features.
    dtype, device
        Of the map.
    batch_size : int
        Mini-batch size (memmap blocks hold whole batches).
    n_samples : int, optional
        Samples per pass; needed for a single-pass iterator without ``len()``.
    check : callable, optional
        Checker of in-memory data (default :func:`~torchsom._validation.as_data`).

    Raises
    ------
    TypeError
        For data of no known kind.
    ValueError
        For a bad ``n_samples``, or a single-pass iterator whose length is unknown.
    """
    if n_samples is not None and (isinstance(n_samples, bool) or not isinstance(
            n_samples, (int, np.integer)) or n_samples < 1):
        raise ValueError(f"n_samples must be an int >= 1 (samples per pass); got {n_samples!r}.")
    if not is_stream(data):
        samples = check(data) if check is not None else as_data(
            data, num_features=features, dtype=dtype, device=device)
        if n_samples is not None and n_samples != samples.shape[0]:
            raise ValueError(f"n_samples={n_samples} but data holds {samples.shape[0]} "
                             "samples; leave n_samples out for in-memory data.")
        return TensorSource(samples)
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not str(path).endswith(".npy"):
            raise TypeError(
                "data must be a torch.Tensor, numpy array or memmap, pandas DataFrame, "
                "list of numbers, the path of a .npy file, a DataLoader or an iterable of "
                f"batches; got {type(data).__name__} {path!r}, which is not a .npy path."
            )
        data = np.load(path, mmap_mode="r")
    if isinstance(data, np.ndarray):
        source: DataSource = ArraySource(data, features, dtype, device, batch_size)
    elif isinstance(data, torch.utils.data.DataLoader):
        source = IterableSource(data, features, dtype, device, "DataLoader")
    elif callable(data) and not hasattr(data, "__iter__"):
        source = IterableSource(data, features, dtype, device, "callable")
    elif hasattr(data, "__iter__"):
        single = iter(data) is data
        source = IterableSource(data, features, dtype, device,
                                "iterator" if single else "iterable")
        if single:
            known = n_samples if n_samples is not None else _length(data)
            if known is None:
                raise ValueError(
                    "data is a single-pass iterator (e.g. a generator): fit reads it once "
                    "and spreads the map's epochs over it by sample count, so it needs the "
                    "total number of samples up front. Pass n_samples=<total samples>, or "
                    "a callable that returns a fresh iterable for each epoch."
                )
            source.n_samples = int(known)
    else:  # pragma: no cover - is_stream covers the kinds above
        raise TypeError(f"data of type {type(data).__name__} is not supported.")
    if n_samples is not None:
        if source.n_samples is not None and source.n_samples != n_samples:
            raise ValueError(f"n_samples={n_samples} but the {source.kind} holds "
                             f"{source.n_samples} samples.")
        source.n_samples = int(n_samples)
    return source


def _length(data: Any) -> int | None:
    try:
        return int(len(data))
    except TypeError:
        return None
