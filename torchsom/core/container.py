"""The map file's byte container: a safetensors file, written atomically, read defensively.

Layout (the `safetensors <https://huggingface.co/docs/safetensors>`_ format, written and
read here without any third-party code):

* 8 bytes: ``N``, the header length (unsigned little-endian);
* ``N`` bytes: a JSON header describing each tensor (dtype, shape, byte offsets) plus a
  ``__metadata__`` table of strings, padded with spaces so the tensor data starts on an
  8-byte boundary;
* the raw little-endian tensor bytes.

The metadata always holds ``format`` (:data:`FORMAT_NAME`), ``format_version`` and
``checksum``: ``"sha256:<hex>"`` of the canonical JSON of the header without the checksum
(sorted keys, no spaces) followed by the tensor bytes, so any damage is detected. What
else a saved map stores is the SOM's schema, in :mod:`torchsom.core.persistence`.

Reading never executes code from the file: it parses JSON and copies bytes. Only regular
files are read (a named pipe or a device is refused without blocking), the header is read
and validated field by field before anything else, and no read goes beyond what the file
declares and holds. Writing goes to a temporary file in the destination folder, which is
flushed, synced and then renamed over the destination, so a crash or error at any point
leaves any previous file intact; a destination that exists but is not a regular file
(a device, a pipe) is refused rather than replaced.

Why one module of this size: writing and reading are the two halves of one byte layout
and share its tables (dtype codes, checksum, limits); keeping them together keeps them in
agreement. Most of the length is the reader checking each header field before trusting it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import Any

import torch

from torchsom.version import __version__

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_DIM",
    "SOMFileError",
    "as_path",
    "atomic_write",
    "check_byteorder",
    "checksum",
    "decode_json",
    "describe",
    "destination",
    "file_error",
    "is_int",
    "parse_json",
    "read_entries",
    "read_file",
    "write_file",
]

FORMAT_NAME = "torchsom.som"
FORMAT_VERSION = 1

# safetensors readers refuse larger headers; ours are a few kilobytes
_HEADER_LIMIT = 100 * 1024 * 1024

_DTYPE_CODES: dict[torch.dtype, str] = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.uint8: "U8",
    torch.int64: "I64",
}
_CODE_DTYPES = {code: dtype for dtype, code in _DTYPE_CODES.items()}
_ITEMSIZE = {dtype: torch.empty((), dtype=dtype).element_size() for dtype in _DTYPE_CODES}


class SOMFileError(ValueError):
    """A file cannot be read as a saved map: corrupt, truncated, foreign or too new.

    The message names the file and the problem.
    """


def file_error(path: Path, problem: str) -> SOMFileError:
    """The :class:`SOMFileError` for ``problem`` with the file at ``path``."""
    return SOMFileError(f"Cannot load a SOM from '{path}': {problem}")


def as_path(path: Any) -> Path:
    """``path`` (str or os.PathLike, not bytes, not empty) as a :class:`~pathlib.Path`."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a str or os.PathLike; got {path!r} of type {type(path).__name__}."
        )
    text = os.fspath(path)
    if not text:
        raise ValueError("path must be a file name; got an empty string.")
    return Path(text)


# ---------------------------------------------------------------------------- writing
def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    flat = tensor.detach().to("cpu").contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes()


def check_byteorder() -> None:
    """Refuse big-endian machines: the file's bytes are little-endian."""
    if sys.byteorder != "little":  # pragma: no cover - no big-endian CI
        raise NotImplementedError("torchsom map files can only be used on little-endian machines.")


def write_file(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """Write ``tensors`` and the ``metadata`` strings to ``path`` as one file, atomically.

    The checksum is added to the metadata; ``path`` is checked by :func:`destination`.
    """
    header: dict[str, Any] = {}
    blobs: list[bytes] = []
    offset = 0
    for name, tensor in tensors.items():
        blob = _tensor_bytes(tensor)
        header[name] = {
            "dtype": _DTYPE_CODES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = dict(metadata)
    header["__metadata__"]["checksum"] = checksum(header, blobs)
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)  # align the tensor data to 8 bytes
    atomic_write(destination(path), [len(text).to_bytes(8, "little"), text, *blobs])


def checksum(header: dict[str, Any], blobs: list[bytes] | list[memoryview]) -> str:
    """``sha256:<hex>`` of the canonical header (without its checksum) and the tensor bytes."""
    meta = {k: v for k, v in header.get("__metadata__", {}).items() if k != "checksum"}
    canonical = json.dumps({**header, "__metadata__": meta}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(canonical.encode("ascii"))
    for blob in blobs:
        digest.update(blob)
    return "sha256:" + digest.hexdigest()


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"),
             (stat.S_ISDIR, "folder"))
    return next((kind for test, kind in kinds if test(mode)), "special file")


def destination(path: Path) -> Path:
    """The file that :func:`save_som` will replace: ``path``, or the target of a symbolic
    link. Only a regular file or a name that does not exist yet is accepted: replacing a
    device node or a named pipe (say ``/dev/null``) with a regular file would break it.

    Raises
    ------
    IsADirectoryError
        For a folder.
    ValueError
        For a device, named pipe, socket or other special file.
    FileNotFoundError
        If the folder does not exist.
    """
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        mode: int | None = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(f"Cannot save a SOM to '{path}': it is a folder.")
    if mode is not None and not stat.S_ISREG(mode):
        raise ValueError(
            f"Cannot save a SOM to '{path}': it is a {_file_kind(mode)}, not a regular "
            "file, and saving would replace it. Give the path of a regular file (or of "
            "one that does not exist yet)."
        )
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot save a SOM to '{path}': the folder '{folder}' does not exist."
        )
    return path


def atomic_write(path: Path, chunks: list[bytes]) -> None:
    """Write ``chunks`` to a temporary file next to ``path`` (checked by
    :func:`destination`), sync it, rename it over."""
    folder = path.parent
    temporary = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, 0o666)  # the mode honours the umask, like open()
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows syncing a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without folder handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that refuse it
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- loading
#: largest number of dimensions and largest dimension a stored tensor may declare
_MAX_DIMS = 8
MAX_DIM = 2**40
_TENSOR_KEYS = {"dtype", "shape", "data_offsets"}


def describe(value: Any) -> str:
    """A short description of a value read from a file, safe for any JSON value (no
    deep recursion, no huge integer printed in full)."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        bits = value.bit_length()
        return repr(value) if bits <= 64 else f"an integer of {bits} bits"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, list):
        items = [describe(v) if not isinstance(v, (list, dict)) else "[...]" for v in value[:4]]
        return "[" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "]"
    return f"a JSON {type(value).__name__}"


def is_int(value: Any, low: int, high: int) -> bool:
    """Whether a value read from JSON is an int (not a bool) in ``[low, high]``."""
    return type(value) is int and low <= value <= high


def parse_json(path: Path, text: str | bytes, what: str) -> Any:
    """``json.loads`` whose every failure is a :class:`SOMFileError` naming ``what``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise file_error(path, f"{what} is nested too deeply to be a map file's.") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise file_error(path, f"{what} is not valid JSON ({str(exc)[:200]}); the file is "
                               "corrupt.") from None


def _open_regular(path: Path) -> Any:
    """Open ``path`` for reading, refusing anything but a regular file.

    The file is opened without blocking (a named pipe would otherwise wait for a writer)
    and its type is checked on the open handle, so a swapped path cannot slip through.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(f"Cannot load a SOM from '{path}': it is a folder.")
        if not stat.S_ISREG(mode):
            raise file_error(path, f"it is a {_file_kind(mode)}, not a regular file.")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_exactly(handle: Any, count: int, path: Path, what: str) -> bytes:
    """Read ``count`` bytes (already checked against the file's size)."""
    blob = handle.read(count)
    if len(blob) != count:
        raise file_error(path, f"the file is truncated: {what} needs {count} bytes but only "
                               f"{len(blob)} could be read.")
    return blob


def read_file(path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Parse and check a map file; return its metadata and tensors (on CPU).

    Every read is bounded by what the file declares and by its actual size: the header
    is read and checked first, and the tensor bytes only when they add up to the rest
    of the file.
    """
    check_byteorder()
    with _open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 9:
            raise file_error(path, f"the file has only {size} bytes; it is truncated or not a "
                                   "map file.")
        start = handle.read(9)
        header_len = int.from_bytes(start[:8], "little")
        if start[8:9] != b"{" or header_len > _HEADER_LIMIT:
            raise file_error(
                path,
                "this is not a torchsom map file (it does not start with a safetensors "
                "header); save maps with SOM.save().",
            )
        if 8 + header_len > size:
            raise file_error(
                path,
                f"the file is truncated: its header declares {header_len} bytes but only "
                f"{size - 8} follow.",
            )
        text = start[8:] + _read_exactly(handle, header_len - 1, path, "the header")
        header = parse_json(path, text, "the header")
        if not isinstance(header, dict):  # pragma: no cover - it starts with "{"
            raise file_error(path, "the header is not a JSON object; the file is corrupt.")
        meta = header.pop("__metadata__", None)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise file_error(
                path,
                "this safetensors file holds no torchsom map (its metadata has no "
                f"format={FORMAT_NAME!r} entry); it was written by another program.",
            )
        _check_metadata_strings(path, meta)
        _check_format_version(path, meta)
        entries = {name: _tensor_entry(path, name, entry) for name, entry in header.items()}
        data_len = size - 8 - header_len
        used = max((end for _, _, _, end in entries.values()), default=0)
        for name, (_, _, _, end) in entries.items():
            if end > data_len:
                raise file_error(
                    path,
                    f"the file is truncated: tensor {name!r} needs bytes up to {end} of the "
                    f"data section, which has only {data_len}.",
                )
        if used != data_len:
            raise file_error(
                path,
                f"the data section has {data_len} bytes but the tensors use {used}; the "
                "file is corrupt.",
            )
        data = _read_exactly(handle, data_len, path, "the data section")
    tensors = {name: _tensor(data, *entry) for name, entry in entries.items()}
    if meta.get("checksum") != checksum({**header, "__metadata__": meta}, [data]):
        raise file_error(
            path,
            "its contents do not match their checksum; the file is corrupt (damaged in "
            "storage or transfer, or edited by hand).",
        )
    return meta, tensors


def _check_metadata_strings(path: Path, meta: dict[str, Any]) -> None:
    for key, value in meta.items():
        if not isinstance(value, str):
            raise file_error(path, f"its metadata entry {describe(key)} is "
                                   f"{describe(value)}, not a string.")


def _check_format_version(path: Path, meta: dict[str, Any]) -> None:
    text = meta.get("format_version", "")
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise file_error(path, f"its format_version {describe(text)} is not an integer.")
    version = int(text)
    if version > FORMAT_VERSION:
        raise file_error(
            path,
            f"it uses map file format version {version}, written by torchsom "
            f"{describe(meta.get('torchsom_version', '?'))}, but this torchsom ({__version__}) "
            f"reads versions up to {FORMAT_VERSION}. Upgrade torchsom to load it.",
        )
    if version < 1:
        raise file_error(path, f"its format_version {version} is not valid.")


def _tensor_entry(path: Path, name: str, entry: Any) -> tuple[torch.dtype, list[int], int, int]:
    """Check one tensor's header entry; return (dtype, shape, start, end)."""
    where = f"the header entry of tensor {describe(name)}"
    if not isinstance(entry, dict) or set(entry) != _TENSOR_KEYS:
        raise file_error(path, f"{where} is malformed: it must be an object with exactly the "
                               "fields 'dtype', 'shape' and 'data_offsets'.")
    dtype = entry["dtype"]
    if not isinstance(dtype, str) or dtype not in _CODE_DTYPES:
        raise file_error(path, f"{where} is malformed: its 'dtype' is {describe(dtype)}, expected "
                               f"one of {sorted(_CODE_DTYPES)}.")
    shape = entry["shape"]
    if not (isinstance(shape, list) and len(shape) <= _MAX_DIMS
            and all(is_int(n, 0, MAX_DIM) for n in shape)):
        raise file_error(path, f"{where} is malformed: its 'shape' is {describe(shape)}, "
                               f"expected a list of at most {_MAX_DIMS} integers between 0 "
                               "and 2**40.")
    offsets = entry["data_offsets"]
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(is_int(n, 0, 2**62) for n in offsets) and offsets[0] <= offsets[1]):
        raise file_error(path, f"{where} is malformed: its 'data_offsets' are {describe(offsets)}, "
                               "expected [start, end] with integers 0 <= start <= end.")
    start, end = offsets
    nbytes = math.prod(shape) * _ITEMSIZE[_CODE_DTYPES[dtype]]
    if end - start != nbytes:
        raise file_error(path, f"{where} is inconsistent: its 'shape' {describe(shape)} of dtype "
                               f"{dtype} needs {nbytes} bytes but its 'data_offsets' span "
                               f"{end - start}.")
    return _CODE_DTYPES[dtype], shape, start, end


def _tensor(data: bytes, dtype: torch.dtype, shape: list[int], start: int,
            end: int) -> torch.Tensor:
    buffer = bytearray(data[start:end])
    flat = torch.frombuffer(buffer, dtype=torch.uint8) if buffer else torch.empty(
        0, dtype=torch.uint8
    )
    return flat.view(dtype).reshape(shape)


def decode_json(path: Path, meta: dict[str, Any], key: str) -> dict[str, Any]:
    """The metadata entry ``key``, a JSON object, parsed."""
    text = meta.get(key)
    if not isinstance(text, str):
        raise file_error(path, f"its metadata has no {key!r} entry.")
    value = parse_json(path, text, f"its {key!r} metadata")
    if not isinstance(value, dict):
        raise file_error(path, f"its {key!r} metadata is not a JSON object.")
    return value


def read_entries(path: Any) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """Every metadata string and tensor (on the CPU) of the map file at ``path``, checked.

    Raises
    ------
    SOMFileError
        If the file is not a valid map file.
    """
    return read_file(as_path(path))
