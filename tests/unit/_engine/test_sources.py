"""Data sources: what each kind of data becomes, how a pass is read, and bad chunks."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from torchsom._engine.sources import (
    ArraySource,
    IterableSource,
    TensorSource,
    as_source,
    is_stream,
)

F = 3
GEN = torch.Generator().manual_seed(0)
DATA = torch.randn(100, F, generator=GEN)


def _source(data, **kwargs):
    return as_source(data, features=F, dtype=torch.float32, device="cpu", **kwargs)


def _rows(source, generator=None, shuffle=False, skip=0) -> torch.Tensor:
    generator = generator or torch.Generator().manual_seed(1)
    parts = [c.samples if c.order is None else c.samples[c.order]
             for c in source.chunks(generator, shuffle, skip)]
    return torch.cat(parts)


@pytest.fixture()
def npy(tmp_path):
    path = tmp_path / "data.npy"
    np.save(path, DATA.numpy())
    return path


def test_in_memory_data_is_one_chunk(npy) -> None:
    for data in (DATA, DATA.numpy(), pd.DataFrame(DATA.numpy()), DATA.tolist()):
        source = _source(data)
        assert isinstance(source, TensorSource) and source.one_chunk
        assert source.n_samples == 100
        chunks = list(source.chunks(torch.Generator(), shuffle=True))
        assert len(chunks) == 1 and sorted(chunks[0].order.tolist()) == list(range(100))
    assert not is_stream(DATA.numpy()) and is_stream(np.load(npy, mmap_mode="r"))


def test_kinds_of_streams(npy) -> None:
    assert isinstance(_source(npy), ArraySource)
    assert isinstance(_source(str(npy)), ArraySource)
    assert isinstance(_source(np.load(npy, mmap_mode="r")), ArraySource)
    loader = DataLoader(TensorDataset(DATA, torch.zeros(100)), batch_size=30)
    assert _source(loader).kind == "DataLoader"
    assert _source(lambda: [DATA]).kind == "callable"
    assert _source([DATA[:50], DATA[50:]]).kind == "iterable"
    single = _source(iter([DATA[:50], DATA[50:]]), n_samples=100)
    assert single.kind == "iterator" and not single.reiterable and single.n_samples == 100


def test_every_kind_delivers_the_same_rows(npy) -> None:
    loader = DataLoader(TensorDataset(DATA, torch.zeros(100)), batch_size=30)
    for data in (npy, loader, lambda: iter(torch.split(DATA, 7)), list(torch.split(DATA, 40)),
                 (b.numpy() for b in torch.split(DATA, 33))):
        source = _source(data, n_samples=100 if not isinstance(data, (list, DataLoader))
                         and not callable(data) else None)
        assert torch.equal(_rows(source), DATA)


def test_a_path_must_name_a_npy_file(tmp_path) -> None:
    with pytest.raises(TypeError, match=r"data must be a torch.Tensor.*got \w*Path.*not a "
                                        r"\.npy path"):
        _source(tmp_path / "data.csv")
    with pytest.raises(TypeError, match="got dict"):
        _source({"a": DATA})


def test_a_single_pass_iterator_needs_its_length() -> None:
    with pytest.raises(ValueError, match="n_samples="):
        _source(iter([DATA]))
    with pytest.raises(ValueError, match="n_samples"):
        _source(DATA, n_samples=99)
    with pytest.raises(ValueError, match="n_samples must be an int"):
        _source(DATA, n_samples=0)

    class Sized:
        def __init__(self):
            self.inner = iter([DATA])

        def __iter__(self):
            return self

        def __next__(self):
            return next(self.inner)

        def __len__(self):
            return 100

    assert _source(Sized()).n_samples == 100


def test_a_single_pass_iterator_is_read_once() -> None:
    source = _source(iter([DATA]), n_samples=100)
    assert len(_rows(source)) == 100
    with pytest.raises(ValueError, match="already read"):
        _rows(source)


def test_memmap_blocks_hold_whole_batches_and_shuffle_in_blocks(npy) -> None:
    array = np.load(npy, mmap_mode="r")
    source = ArraySource(array, F, torch.float32, "cpu", multiple=8, block_rows=20)
    assert source.block_rows == 16
    generator = torch.Generator().manual_seed(3)
    first, second = _rows(source, generator, True), _rows(source, generator, True)
    key = lambda rows: sorted(map(tuple, rows.tolist()))  # noqa: E731
    assert key(first) == key(second) == key(DATA)  # every row once per pass
    assert not torch.equal(first, second)  # a new order each pass
    chunks = list(source.chunks(torch.Generator().manual_seed(3), True))
    for chunk in chunks:  # each chunk is one block of consecutive file rows, reordered
        rows = chunk.samples
        start = int(torch.nonzero((DATA == rows[0]).all(1))[0, 0])
        assert torch.equal(rows, DATA[start : start + len(rows)])
    # a resumed pass: the same draws, the first chunks skipped
    again = list(source.chunks(torch.Generator().manual_seed(3), True, skip=3))
    assert [c.index for c in again] == [c.index for c in chunks[3:]]
    for a, b in zip(again, chunks[3:]):
        assert torch.equal(a.samples[a.order], b.samples[b.order]) and a.start == b.start


def test_memmap_is_read_without_a_full_copy(tmp_path) -> None:
    path = tmp_path / "big.npy"
    big = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(200_000, F))
    big[:] = 1.0
    big.flush()
    del big
    source = _source(path)
    source.block_rows = 2_000  # 24 kB blocks of a 2.4 MB file
    tracemalloc.start()
    try:
        total = sum(c.samples.shape[0] for c in source.chunks(torch.Generator(), True))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 200_000
    assert peak < 500_000  # a few blocks, never the 2.4 MB array


def test_loader_pairs_give_their_inputs_and_samplers_get_the_epoch() -> None:
    epochs = []

    class Sampler(torch.utils.data.Sampler):
        def __iter__(self):
            return iter(range(100))

        def __len__(self):
            return 100

        def set_epoch(self, epoch):
            epochs.append(epoch)

    loader = DataLoader(TensorDataset(DATA, torch.arange(100)), batch_size=25,
                        sampler=Sampler())
    source = _source(loader)
    assert torch.equal(_rows(source), DATA) and torch.equal(_rows(source), DATA)
    assert epochs == [0, 1]


def test_a_callable_must_return_an_iterable() -> None:
    with pytest.raises(TypeError, match="callable"):
        _rows(_source(lambda: 3))


def test_a_chunk_with_other_features_is_named() -> None:
    batches = [DATA[:40], torch.randn(30, F + 1), DATA[70:]]
    with pytest.raises(ValueError, match=r"chunk 1 of the iterable \(after 40 samples\).*4 "
                                         r"features"):
        _rows(_source(batches))


def test_nan_in_a_chunk_is_named_with_its_row(npy) -> None:
    bad = DATA.clone()
    bad[57, 1] = float("nan")
    path = npy.parent / "bad.npy"
    np.save(path, bad.numpy())
    source = _source(path)
    source.block_rows = 25
    with pytest.raises(ValueError, match=r"chunk 2 of the numpy memmap \(after 50 samples\) "
                                         r"contains 1 NaN.*row 7"):
        _rows(source)


def test_empty_chunks_are_skipped_and_empty_arrays_refused(tmp_path) -> None:
    source = _source([DATA[:0], DATA, torch.empty(0, F)])
    assert [c.index for c in source.chunks(torch.Generator(), False)] == [0]
    np.save(tmp_path / "empty.npy", np.zeros((0, F), np.float32))
    with pytest.raises(ValueError, match="empty shard"):
        _source(tmp_path / "empty.npy")
    np.save(tmp_path / "wrong.npy", np.zeros((5, F + 2), np.float32))
    with pytest.raises(ValueError, match="must have 3 features"):
        _source(tmp_path / "wrong.npy")
    np.save(tmp_path / "flat.npy", np.zeros(5, np.float32))
    with pytest.raises(ValueError, match="shape"):
        _source(tmp_path / "flat.npy")
    np.save(tmp_path / "text.npy", np.array([["a"] * F]))
    with pytest.raises(TypeError, match="real numbers"):
        _source(tmp_path / "text.npy")


def test_iterable_source_holds_what_it_was_given() -> None:
    source = IterableSource([DATA], F, torch.float32, "cpu", "iterable")
    assert source.reiterable and source.n_samples is None
