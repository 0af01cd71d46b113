"""The map file's byte container: layout, checksum, atomic write, defensive reading."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import torch

from torchsom.core import container
from torchsom.core.container import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SOMFileError,
    as_path,
    describe,
    destination,
    is_int,
    read_entries,
    read_file,
    write_file,
)

META = {"format": FORMAT_NAME, "format_version": str(FORMAT_VERSION), "note": "hello"}
TENSORS = {"a": torch.arange(6, dtype=torch.float32).reshape(2, 3),
           "b": torch.tensor([1, 2, 255], dtype=torch.uint8),
           "c": torch.tensor([1.5], dtype=torch.float64)}


def _written(tmp_path: Path) -> Path:
    path = tmp_path / "x.som"
    write_file(path, TENSORS, META)
    return path


def test_round_trip_keeps_tensors_metadata_and_adds_the_checksum(tmp_path) -> None:
    meta, tensors = read_file(_written(tmp_path))
    assert {k: meta[k] for k in META} == META and meta["checksum"].startswith("sha256:")
    assert set(tensors) == set(TENSORS)
    for name, tensor in TENSORS.items():
        assert tensors[name].dtype == tensor.dtype and torch.equal(tensors[name], tensor)
    assert read_entries(str(_written(tmp_path)))[0] == meta


def test_layout_is_safetensors_with_8_byte_aligned_data(tmp_path) -> None:
    raw = _written(tmp_path).read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    assert (8 + header_len) % 8 == 0
    header = json.loads(raw[8 : 8 + header_len])
    assert header["a"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    assert len(raw) == 8 + header_len + 24 + 3 + 8


def test_a_flipped_data_byte_fails_the_checksum(tmp_path) -> None:
    path = _written(tmp_path)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(SOMFileError, match="do not match their checksum"):
        read_file(path)


def test_foreign_and_newer_files_are_refused(tmp_path) -> None:
    foreign = tmp_path / "foreign.som"
    write_file(foreign, TENSORS, {"format": "other"})
    with pytest.raises(SOMFileError, match="holds no torchsom map"):
        read_file(foreign)
    newer = tmp_path / "newer.som"
    write_file(newer, TENSORS, {**META, "format_version": str(FORMAT_VERSION + 1)})
    with pytest.raises(SOMFileError, match="Upgrade torchsom to load it"):
        read_file(newer)
    junk = tmp_path / "junk.som"
    junk.write_bytes(b"not a map at all")
    with pytest.raises(SOMFileError, match="does not start with a safetensors header"):
        read_file(junk)


def test_destination_accepts_new_and_regular_files_only(tmp_path) -> None:
    assert destination(tmp_path / "new.som") == tmp_path / "new.som"
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        destination(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        destination(tmp_path / "missing" / "x.som")


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
def test_destination_refuses_a_named_pipe(tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="named pipe"):
        destination(fifo)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    path = _written(tmp_path)
    before = path.read_bytes()

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(container.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_file(path, {"a": torch.zeros(1)}, META)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.som"]


def test_values_read_from_a_file_are_described_briefly() -> None:
    assert describe(2**80) == "an integer of 81 bits"
    assert describe("x" * 50) == repr("x" * 40 + "...")
    assert describe([1, [2], 3, 4, 5]) == "[1, [...], 3, 4, ...]"
    assert describe({"a": 1}) == "a JSON dict"
    assert is_int(3, 0, 5) and not is_int(True, 0, 5) and not is_int(6, 0, 5)


@pytest.mark.parametrize(("path", "error"), [(b"x.som", TypeError), ("", ValueError),
                                             (3, TypeError)])
def test_paths_are_checked(path, error) -> None:
    with pytest.raises(error, match="path must be"):
        as_path(path)
