"""Regression tests for the file and device problems found by an adversarial review
(issue 16, items 8-12): special files, bounded reads, crafted headers, neighbourhood
orders in files, devices.

Each test failed on the code before its fix. Tests that touch a system device make sure
that a regression fails loudly instead of writing to it or reading it without bound.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import tracemalloc
from pathlib import Path

import pytest
import torch

from torchsom import SOM
from torchsom import io as som_io
from torchsom._validation import _mps_available
from torchsom.core import container
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.maps import dedupe_neighbors
from torchsom.topology.neighbors import (
    get_all_neighbors_up_to_order,
    largest_useful_order,
    neighbor_table,
    offsets_for_row,
)

DATA = torch.randn(40, 3, generator=torch.Generator().manual_seed(8))

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")


def _som() -> SOM:
    som = SOM(3, 4, 3, epochs=1, device="cpu", random_seed=2)
    som.fit(DATA, verbose=False)
    return som


def _split(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def _write(path: Path, header: dict | bytes, data: bytes, fix_checksum: bool = True) -> None:
    if isinstance(header, dict):
        if fix_checksum:  # a checksum is easy to forge: the structure must be checked
            header["__metadata__"]["checksum"] = container.checksum(header, [data])
        header = json.dumps(header).encode()
    path.write_bytes(len(header).to_bytes(8, "little") + header + data)


def _load_error(path: Path, pattern: str) -> None:
    with pytest.raises(som_io.SOMFileError, match=pattern) as info:
        SOM.load(path)
    assert str(path) in str(info.value)


@pytest.fixture()
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "map.som"
    _som().save(path)
    return path


# ---------------------------------------------------------------------------- item 8
@posix_only
def test_save_refuses_a_named_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"named pipe \(FIFO\), not a regular file"):
        _som().save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    link = tmp_path / "link.som"
    link.symlink_to(fifo)
    with pytest.raises(ValueError, match="named pipe"):
        _som().save(link)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.som", "pipe"]


@posix_only
def test_save_refuses_a_device_node_of_its_own(tmp_path: Path) -> None:
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("creating a device node needs privileges")
    with pytest.raises(ValueError, match="character device"):
        _som().save(node)
    assert stat.S_ISCHR(os.lstat(node).st_mode)


@posix_only
def test_save_refuses_dev_null_without_touching_it(monkeypatch) -> None:
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("/dev/null is not a character device here")
    real_open, real_replace = os.open, os.replace

    def guarded_open(path, flags, *args, **kwargs):
        if str(path).startswith("/dev/") and flags & os.O_CREAT:
            raise AssertionError(f"save tried to create {path}")
        return real_open(path, flags, *args, **kwargs)

    def guarded_replace(src, dst, *args, **kwargs):
        if str(dst).startswith("/dev/"):
            raise AssertionError(f"save tried to replace {dst}")
        return real_replace(src, dst, *args, **kwargs)

    def no_write(path, chunks):
        raise AssertionError(f"save tried to write {path}")

    som = _som()
    monkeypatch.setattr(container, "atomic_write", no_write)
    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "replace", guarded_replace)
    with pytest.raises(ValueError, match=r"'/dev/null': it is a character device"):
        som.save("/dev/null")


# ---------------------------------------------------------------------------- item 9
@posix_only
def test_load_refuses_a_named_pipe_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.som"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            SOM.load(fifo)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - recorded and checked below
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # the old code blocks in open(): give it a writer, then fail
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        worker.join(10)
        pytest.fail("SOM.load waited on a named pipe")
    assert isinstance(outcome[0], som_io.SOMFileError)
    assert "named pipe (FIFO), not a regular file" in str(outcome[0])


def test_load_of_a_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        SOM.load(tmp_path)


class _NoUnboundedReads:
    """A file handle that fails a test on a read without a size (as of a whole file)."""

    def __init__(self, handle):
        self._handle = handle

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > 1 << 20:
            raise AssertionError(f"unbounded read of {size} bytes")
        return self._handle.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()

    def __getattr__(self, name):
        return getattr(self._handle, name)


@posix_only
def test_load_refuses_dev_zero_without_reading_it(monkeypatch) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    monkeypatch.setattr(container, "open", lambda path, mode="r", *a, **k: _NoUnboundedReads(
        open(path, mode, *a, **k)), raising=False)
    with pytest.raises(som_io.SOMFileError, match="character device, not a regular file"):
        SOM.load("/dev/zero")


def _peak_bytes_of(call) -> int:
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_large_file_that_is_not_a_map_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    with open(path, "wb") as handle:
        handle.write(b"not a map")
        handle.truncate(64 * 1024 * 1024)  # sparse: no disk space used

    def attempt() -> None:
        with pytest.raises(som_io.SOMFileError, match="not a torchsom map file"):
            SOM.load(path)

    assert _peak_bytes_of(attempt) < 4 * 1024 * 1024


def test_a_map_followed_by_much_garbage_is_refused_before_reading_it(saved: Path) -> None:
    with open(saved, "ab") as handle:
        handle.truncate(saved.stat().st_size + 64 * 1024 * 1024)

    def attempt() -> None:
        with pytest.raises(som_io.SOMFileError, match="data section"):
            SOM.load(saved)

    assert _peak_bytes_of(attempt) < 4 * 1024 * 1024


def test_a_header_length_beyond_the_file_is_refused_before_reading(saved: Path) -> None:
    raw = saved.read_bytes()
    saved.write_bytes((50 * 1024 * 1024).to_bytes(8, "little") + raw[8:])

    def attempt() -> None:
        with pytest.raises(som_io.SOMFileError, match="truncated"):
            SOM.load(saved)

    assert _peak_bytes_of(attempt) < 4 * 1024 * 1024


# ---------------------------------------------------------------------------- item 10
def _edit_tensor(saved: Path, name: str, field: str, value) -> None:
    header, data = _split(saved)
    header[name][field] = value
    _write(saved, header, data)


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("weights", "shape", [float("inf")]),
        ("weights", "shape", [0, 1e30]),
        ("weights", "shape", [0, 10**30]),
        ("weights", "shape", [3, 4, -3]),
        ("weights", "shape", [True, 4, 3]),
        ("weights", "shape", "3x4x3"),
        ("weights", "data_offsets", [0, float("inf")]),
        ("generator_state", "data_offsets", [320, float("inf")]),
        ("weights", "data_offsets", [10, 5]),
        ("weights", "data_offsets", [0]),
        ("weights", "dtype", ["F32"]),
        ("weights", "dtype", None),
    ],
)
def test_crafted_tensor_fields_raise_a_file_error_naming_the_field(
    saved: Path, name: str, field: str, value
) -> None:
    _edit_tensor(saved, name, field, value)
    _load_error(saved, rf"tensor '{name}' is malformed: its '{field}'")
    with pytest.raises(som_io.SOMFileError, match=field):
        som_io.read_metadata(saved)


def test_extra_or_missing_tensor_fields_are_malformed(saved: Path) -> None:
    header, data = _split(saved)
    header["weights"]["extra"] = [[1]]
    _write(saved, header, data)
    _load_error(saved, r"tensor 'weights' is malformed: .*'dtype', 'shape' and 'data_offsets'")
    header, data = _split(saved)
    header["weights"] = [1, 2]
    _write(saved, header, data)
    _load_error(saved, r"tensor 'weights' is malformed")


def _deep(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


def test_deeply_nested_header_raises_a_file_error(saved: Path) -> None:
    header, data = _split(saved)
    text = json.dumps(header)
    crafted = text[:-1] + ', "deep": ' + _deep() + "}"
    _write(saved, crafted.encode(), data)
    _load_error(saved, "the header is nested too deeply")


@pytest.mark.parametrize("key", ["config", "history"])
def test_deeply_nested_metadata_raises_a_file_error(saved: Path, key: str) -> None:
    header, data = _split(saved)
    header["__metadata__"][key] = _deep()
    _write(saved, header, data)
    _load_error(saved, rf"its '{key}' metadata is nested too deeply")


@pytest.mark.parametrize(
    ("key", "edit", "pattern"),
    [
        ("config", lambda c: {**c, "x": [[[[3]]]]}, r"setting 'x' is \[\[\.\.\.\]\], not a plain"),
        ("config", lambda c: {**c, "topology": "h" * 10**6}, r"setting 'topology' is 'hhh"),
        ("config", lambda c: {**c, "y": 4.0}, r"setting 'y' is 4.0, not an int"),
        ("history", lambda h: {**h, "quantization_errors_": [10**400]},
         "'quantization_errors_' is not a list of numbers"),
        ("history", lambda h: {**h, "epochs_trained_": 10**400},
         r"'epochs_trained_' is an integer of \d+ bits"),
        ("history", lambda h: {**h, "epochs_trained_": [[[[1]]]]},
         r"'epochs_trained_' is \[\[\.\.\.\]\]"),
    ],
)
def test_crafted_metadata_values_raise_a_file_error(saved: Path, key: str, edit,
                                                    pattern: str) -> None:
    header, data = _split(saved)
    header["__metadata__"][key] = json.dumps(edit(json.loads(header["__metadata__"][key])))
    _write(saved, header, data)
    _load_error(saved, pattern)


def test_metadata_values_must_be_strings(saved: Path) -> None:
    header, data = _split(saved)
    header["__metadata__"]["config"] = {"x": 3}
    _write(saved, header, data)
    _load_error(saved, r"metadata entry 'config' is a JSON dict, not a string")
    header, data = _split(saved)
    header["__metadata__"]["format_version"] = 1
    _write(saved, header, data)
    _load_error(saved, r"metadata entry 'format_version' is 1, not a string")


# ---------------------------------------------------------------------------- item 11
def _reached(x: int, y: int, topology: str, order: int, pbc: bool) -> list[list[int]]:
    """Reference: every neuron's distinct neighbours up to ``order``, in ring order,
    from the uncapped offsets."""
    offsets = get_all_neighbors_up_to_order(topology, order)
    out = []
    for row in range(x):
        for col in range(y):
            seen: list[int] = []
            for dr, dc in offsets_for_row(offsets, row):
                r, c = row + dr, col + dc
                if pbc:
                    r, c = r % x, c % y
                elif not (0 <= r < x and 0 <= c < y):
                    continue
                cell = r * y + c
                if cell != row * y + col and cell not in seen:
                    seen.append(cell)
            out.append(seen)
    return out


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("pbc", [False, True])
def test_capping_the_order_at_the_grid_changes_no_neighbour(topology: str, pbc: bool) -> None:
    for x in (1, 2, 3, 4, 6):
        for y in (1, 2, 3, 5):
            if pbc and topology == "hexagonal" and x % 2:
                continue
            top = largest_useful_order(x, y, topology)
            table = dedupe_neighbors(neighbor_table(x, y, topology, top + 4, pbc))
            capped = [[int(v) for v in row if v >= 0] for row in table]
            assert capped == _reached(x, y, topology, top + 4, pbc), (x, y)
            # the cap is tight enough: order `top` reaches every cell of an open grid
            if not pbc:
                assert all(len(row) == x * y - 1 for row in capped), (x, y)


def test_a_large_order_costs_what_the_grid_allows() -> None:
    som = SOM(5, 5, 3, device="cpu", neighborhood_order=300)
    assert len(som._neighbor_offsets) == len(get_all_neighbors_up_to_order("rectangular", 4))
    som.initialize_weights(DATA)
    small = SOM(5, 5, 3, device="cpu", neighborhood_order=4)
    small.load_state_dict(som.state_dict())
    assert torch.equal(som.build_map("distance"), small.build_map("distance"))
    labels = torch.arange(40) % 3
    torch.testing.assert_close(som.build_map("classification", data=DATA, target=labels),
                               small.build_map("classification", data=DATA, target=labels),
                               rtol=0, atol=0, equal_nan=True)
    som.set_neighborhood_order(200)
    assert len(som._neighbor_offsets) == 80
    hexagonal = SOM(4, 3, 3, device="cpu", topology="hexagonal", neighborhood_order=150)
    assert len(hexagonal._neighbor_offsets["even"]) == 6 * sum(range(1, 6))


@pytest.fixture()
def bounded_offsets(monkeypatch):
    """Fail (instead of running for hours) if offsets of an absurd order are built."""
    import torchsom.core.som as som_module
    import torchsom.topology.neighbors as neighbors_module

    def guarded(topology, max_order):
        if max_order > 10_000:
            raise AssertionError(f"offsets of order {max_order} were built")
        return get_all_neighbors_up_to_order(topology, max_order)

    monkeypatch.setattr(som_module, "get_all_neighbors_up_to_order", guarded)
    monkeypatch.setattr(neighbors_module, "get_all_neighbors_up_to_order", guarded)


@pytest.mark.usefixtures("bounded_offsets")
def test_a_file_with_a_large_order_loads_quickly_and_an_absurd_one_is_refused(
    saved: Path,
) -> None:
    header, data = _split(saved)
    config = json.loads(header["__metadata__"]["config"])
    header["__metadata__"]["config"] = json.dumps({**config, "neighborhood_order": 300})
    _write(saved, header, data)
    loaded = SOM.load(saved)
    assert loaded.neighborhood_order == 300 and len(loaded._neighbor_offsets) == 48
    header["__metadata__"]["config"] = json.dumps({**config, "neighborhood_order": 10**9})
    _write(saved, header, data)
    _load_error(saved, r"neighborhood_order must be an int in \[1, 1000000\]")


@pytest.mark.usefixtures("bounded_offsets")
def test_absurd_orders_are_refused_everywhere() -> None:
    with pytest.raises(InvalidParameterError, match=r"neighborhood_order must be an int in"):
        SOM(3, 3, 2, device="cpu", neighborhood_order=10**9)
    som = SOM(3, 3, 2, device="cpu")
    with pytest.raises(InvalidParameterError, match=r"neighborhood_order must be an int in"):
        som.set_neighborhood_order(10**9)
    som.neighborhood_order = 10**9
    with pytest.raises(InvalidParameterError, match=r"neighborhood_order must be an int in"):
        som.fit(DATA[:, :2], verbose=False)


# ---------------------------------------------------------------------------- item 12
no_mps = pytest.mark.skipif(_mps_available(), reason="needs a machine without MPS")


@no_mps
@pytest.mark.parametrize("device", ["mps", "mps:0", torch.device("mps")])
def test_unavailable_mps_is_refused_at_construction(device) -> None:
    with pytest.raises(InvalidParameterError, match=r"MPS .* is not available on this machine"):
        SOM(3, 3, 2, device=device)


def test_a_cuda_index_past_the_last_gpu_is_refused() -> None:
    index = torch.cuda.device_count() + 3
    with pytest.raises(InvalidParameterError, match=rf"device='cuda:{index}' was requested"):
        SOM(3, 3, 2, device=f"cuda:{index}")


@no_mps
def test_a_map_saved_on_mps_falls_back_to_the_cpu(saved: Path) -> None:
    header, data = _split(saved)
    config = json.loads(header["__metadata__"]["config"])
    header["__metadata__"]["config"] = json.dumps({**config, "device": "mps:0"})
    _write(saved, header, data)
    with pytest.warns(TorchSOMWarning, match=r"saved on device 'mps:0'.*loading it on the CPU"):
        loaded = SOM.load(saved, map_location=None)
    assert loaded.device == "cpu" and loaded.weights.device.type == "cpu"
    assert loaded.identify_bmus(DATA).shape == (40, 2)
    with pytest.raises(InvalidParameterError, match=r"map_location .*'mps'"):
        SOM.load(saved, map_location="mps")
