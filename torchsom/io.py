"""Saving and loading self-organizing maps: safe, atomic, self-describing files.

File format
-----------
A saved map is one `safetensors <https://huggingface.co/docs/safetensors>`_ file, written
and read by this module without any third-party code:

* 8 bytes: ``N``, the header length (unsigned little-endian);
* ``N`` bytes: a JSON header describing each tensor (dtype, shape, byte offsets) plus a
  ``__metadata__`` table of strings;
* the raw little-endian tensor bytes.

Tensors: ``weights`` (x, y, num_features), the codebook in its own floating dtype, and
``generator_state`` (uint8), the state of the map's random generator, so that a loaded
map continues exactly as the original would have.

Metadata (all strings): ``format`` (``"torchsom.som"``), ``format_version`` (``"1"``),
``torchsom_version``, ``class``, ``config`` (JSON of :meth:`SOM.get_params`, with
registry functions stored by name), ``history`` (JSON of ``quantization_errors_``,
``topographic_errors_`` and ``epochs_trained_``; NaN is stored as ``null``) and
``user_metadata`` (optional: JSON of the ``metadata`` mapping given to :func:`save_som`,
for tools that store their own settings with the map) and
``checksum``: ``"sha256:<hex>"`` of the canonical JSON of the header without the checksum
(sorted keys, no spaces) followed by the tensor bytes, so any damage to the settings, the
history or the weights is detected.

Loading never executes code from the file: it parses JSON and copies bytes. Only regular
files are read (a named pipe or a device is refused without blocking), the header is read
and validated field by field before anything else, and no read goes beyond what the file
declares and holds. Writing goes to a temporary file in the destination folder, which is
flushed, synced and then renamed over the destination, so a crash or error at any point
leaves any previous file intact; a destination that exists but is not a regular file
(a device, a pipe) is refused rather than replaced.
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
import warnings
from pathlib import Path
from typing import Any

import torch

from torchsom._validation import resolve_device
from torchsom.core.parameters import SOM_PARAMETERS, validate_parameters, validate_settings
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.version import __version__

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SOMFileError",
    "save_som",
    "load_som",
    "read_metadata",
    "read_entries",
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

_FUNCTION_REGISTRIES = {
    "distance_function": DISTANCE_FUNCTIONS,
    "neighborhood_function": NEIGHBORHOOD_FUNCTIONS,
    "lr_decay_function": DECAY_FUNCTIONS,
    "sigma_decay_function": DECAY_FUNCTIONS,
}
_HISTORY_LISTS = ("quantization_errors_", "topographic_errors_")


class SOMFileError(ValueError):
    """A file cannot be read as a saved map: corrupt, truncated, foreign or too new.

    The message names the file and the problem.
    """


def _fail(path: Path, problem: str) -> SOMFileError:
    return SOMFileError(f"Cannot load a SOM from '{path}': {problem}")


def _as_path(path: Any) -> Path:
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a str or os.PathLike; got {path!r} of type {type(path).__name__}."
        )
    text = os.fspath(path)
    if not text:
        raise ValueError("path must be a file name; got an empty string.")
    return Path(text)


# ---------------------------------------------------------------------------- saving
def _encode_config(som: Any) -> dict[str, Any]:
    """Constructor arguments as JSON values; registry functions become their names."""
    params = dict(som.get_params())
    params["device"] = str(som.weights.device)
    encoded: dict[str, Any] = {}
    for name, value in params.items():
        rule = SOM_PARAMETERS[name]
        if rule.kind == "function" and callable(value):
            registry = _FUNCTION_REGISTRIES[name]
            names = [key for key, fn in registry.items() if fn is value]
            if not names:
                label = getattr(value, "__name__", type(value).__name__)
                raise InvalidParameterError(
                    f"Cannot save this SOM: {name} is a custom callable ({label}), and a "
                    "saved map stores functions by name only (loading never runs code "
                    f"from a file). Use one of {sorted(registry)}, or save the weights "
                    "with state_dict() and rebuild the map with the same callable."
                )
            value = names[0]
        elif rule.kind == "int":
            value = int(value)
        elif rule.kind == "float":
            value = float(value)
        elif rule.kind == "bool":
            value = bool(value)
        elif rule.kind == "seed" and value is not None:
            value = int(value)
        encoded[name] = value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        try:
            validate_parameters(encoded)
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"Cannot save this SOM: its settings were changed to invalid values and "
                f"could not be loaded again: {exc}"
            ) from None
    return encoded


def _finite_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    flat = tensor.detach().to("cpu").contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes()


def _check_byteorder() -> None:
    if sys.byteorder != "little":  # pragma: no cover - no big-endian CI
        raise NotImplementedError("torchsom map files can only be used on little-endian machines.")


def save_som(som: Any, path: str | os.PathLike[str], metadata: Any = None, *,
             extra_metadata: dict[str, str] | None = None,
             extra_tensors: dict[str, torch.Tensor] | None = None) -> None:
    """Write ``som`` to ``path`` atomically (see the module docstring for the format).

    Parameters
    ----------
    som : SOM
        The map to save: configuration, weights, training history, generator state.
    path : str or os.PathLike
        Destination file. Its folder must exist; an existing file is replaced only once
        the new one is completely written.
    metadata : dict, optional
        Free-form settings stored with the map (JSON: str keys; str, finite numbers,
        bools, None, lists and dicts as values) and returned by :func:`read_metadata`
        under ``"metadata"``; e.g. the command line keeps its scaler and column names here.
    extra_metadata : dict of str, optional
        More metadata strings (a training checkpoint's position); loading ignores them.
        They cannot replace the standard entries.
    extra_tensors : dict of torch.Tensor, optional
        More tensors (a training checkpoint's state); loading ignores them.

    Raises
    ------
    InvalidParameterError
        If a function setting is a custom callable (only registry names can be stored),
        or a setting was changed to an invalid value.
    ValueError
        If the weights contain NaN or inf, or ``path`` is a special file (a device, a
        named pipe, a socket), which saving would replace.
    TypeError
        If ``metadata`` is not a dict of JSON values.
    FileNotFoundError, IsADirectoryError, PermissionError
        If ``path`` cannot be written.
    """
    _check_byteorder()
    target = _as_path(path)
    try:
        validate_settings(som)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"Cannot save this SOM: {exc}") from None
    config = _encode_config(som)
    extra = _encode_metadata(metadata)
    weights = som.weights.detach()
    if weights.dtype not in (torch.float64, torch.float32, torch.float16, torch.bfloat16):
        raise ValueError(f"Cannot save this SOM: its weights have dtype {weights.dtype}.")
    if not bool(torch.isfinite(weights).all()):
        raise ValueError(
            "Cannot save this SOM: its weights contain NaN or inf values, so the map is "
            "unusable; re-initialise and retrain it."
        )
    history = {
        "quantization_errors_": [_finite_or_none(v) for v in som.quantization_errors_],
        "topographic_errors_": [_finite_or_none(v) for v in som.topographic_errors_],
        "epochs_trained_": int(som.epochs_trained_),
    }
    tensors = {"weights": weights, "generator_state": som._generator.get_state()}
    for name, tensor in (extra_tensors or {}).items():
        if name in tensors:
            raise ValueError(f"extra_tensors cannot replace the standard tensor {name!r}.")
        tensors[name] = tensor
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
    header["__metadata__"] = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "torchsom_version": __version__,
        "class": type(som).__name__,
        "config": json.dumps(config, sort_keys=True),
        "history": json.dumps(history, allow_nan=False),
    }
    if extra is not None:
        header["__metadata__"]["user_metadata"] = extra
    for key, value in (extra_metadata or {}).items():
        if key in header["__metadata__"] or key == "checksum" or not isinstance(value, str):
            raise ValueError(f"extra_metadata entry {key!r} must be a new key with a str value.")
        header["__metadata__"][key] = value
    header["__metadata__"]["checksum"] = _checksum(header, blobs)
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)  # align the tensor data to 8 bytes
    _atomic_write(_destination(target), [len(text).to_bytes(8, "little"), text, *blobs])


def _encode_metadata(metadata: Any) -> str | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None; got {type(metadata).__name__}.")
    try:
        return json.dumps(metadata, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"metadata must hold only JSON values (str keys; str, finite numbers, bools, "
            f"None, lists, dicts): {exc}"
        ) from None


def _checksum(header: dict[str, Any], blobs: list[bytes] | list[memoryview]) -> str:
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


def _destination(path: Path) -> Path:
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


def _atomic_write(path: Path, chunks: list[bytes]) -> None:
    """Write ``chunks`` to a temporary file next to ``path`` (checked by
    :func:`_destination`), sync it, rename it over."""
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
_MAX_DIM = 2**40
_TENSOR_KEYS = {"dtype", "shape", "data_offsets"}


def _show(value: Any) -> str:
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
        items = [_show(v) if not isinstance(v, (list, dict)) else "[...]" for v in value[:4]]
        return "[" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "]"
    return f"a JSON {type(value).__name__}"


def _is_int(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _loads(path: Path, text: str | bytes, what: str) -> Any:
    """``json.loads`` whose every failure is a :class:`SOMFileError` naming ``what``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise _fail(path, f"{what} is nested too deeply to be a map file's.") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail(path, f"{what} is not valid JSON ({str(exc)[:200]}); the file is "
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
            raise _fail(path, f"it is a {_file_kind(mode)}, not a regular file.")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_exactly(handle: Any, count: int, path: Path, what: str) -> bytes:
    """Read ``count`` bytes (already checked against the file's size)."""
    blob = handle.read(count)
    if len(blob) != count:
        raise _fail(path, f"the file is truncated: {what} needs {count} bytes but only "
                          f"{len(blob)} could be read.")
    return blob


def _read_file(path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Parse and check a map file; return its metadata and tensors (on CPU).

    Every read is bounded by what the file declares and by its actual size: the header
    is read and checked first, and the tensor bytes only when they add up to the rest
    of the file.
    """
    _check_byteorder()
    with _open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 9:
            raise _fail(path, f"the file has only {size} bytes; it is truncated or not a "
                              "map file.")
        start = handle.read(9)
        header_len = int.from_bytes(start[:8], "little")
        if start[8:9] != b"{" or header_len > _HEADER_LIMIT:
            raise _fail(
                path,
                "this is not a torchsom map file (it does not start with a safetensors "
                "header); save maps with SOM.save().",
            )
        if 8 + header_len > size:
            raise _fail(
                path,
                f"the file is truncated: its header declares {header_len} bytes but only "
                f"{size - 8} follow.",
            )
        text = start[8:] + _read_exactly(handle, header_len - 1, path, "the header")
        header = _loads(path, text, "the header")
        if not isinstance(header, dict):  # pragma: no cover - it starts with "{"
            raise _fail(path, "the header is not a JSON object; the file is corrupt.")
        meta = header.pop("__metadata__", None)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise _fail(
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
                raise _fail(
                    path,
                    f"the file is truncated: tensor {name!r} needs bytes up to {end} of the "
                    f"data section, which has only {data_len}.",
                )
        if used != data_len:
            raise _fail(
                path,
                f"the data section has {data_len} bytes but the tensors use {used}; the "
                "file is corrupt.",
            )
        data = _read_exactly(handle, data_len, path, "the data section")
    tensors = {name: _tensor(data, *entry) for name, entry in entries.items()}
    if meta.get("checksum") != _checksum({**header, "__metadata__": meta}, [data]):
        raise _fail(
            path,
            "its contents do not match their checksum; the file is corrupt (damaged in "
            "storage or transfer, or edited by hand).",
        )
    return meta, tensors


def _check_metadata_strings(path: Path, meta: dict[str, Any]) -> None:
    for key, value in meta.items():
        if not isinstance(value, str):
            raise _fail(path, f"its metadata entry {_show(key)} is {_show(value)}, not a "
                              "string.")


def _check_format_version(path: Path, meta: dict[str, Any]) -> None:
    text = meta.get("format_version", "")
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise _fail(path, f"its format_version {_show(text)} is not an integer.")
    version = int(text)
    if version > FORMAT_VERSION:
        raise _fail(
            path,
            f"it uses map file format version {version}, written by torchsom "
            f"{_show(meta.get('torchsom_version', '?'))}, but this torchsom ({__version__}) "
            f"reads versions up to {FORMAT_VERSION}. Upgrade torchsom to load it.",
        )
    if version < 1:
        raise _fail(path, f"its format_version {version} is not valid.")


def _tensor_entry(path: Path, name: str, entry: Any) -> tuple[torch.dtype, list[int], int, int]:
    """Check one tensor's header entry; return (dtype, shape, start, end)."""
    where = f"the header entry of tensor {_show(name)}"
    if not isinstance(entry, dict) or set(entry) != _TENSOR_KEYS:
        raise _fail(path, f"{where} is malformed: it must be an object with exactly the "
                          "fields 'dtype', 'shape' and 'data_offsets'.")
    dtype = entry["dtype"]
    if not isinstance(dtype, str) or dtype not in _CODE_DTYPES:
        raise _fail(path, f"{where} is malformed: its 'dtype' is {_show(dtype)}, expected "
                          f"one of {sorted(_CODE_DTYPES)}.")
    shape = entry["shape"]
    if not (isinstance(shape, list) and len(shape) <= _MAX_DIMS
            and all(_is_int(n, 0, _MAX_DIM) for n in shape)):
        raise _fail(path, f"{where} is malformed: its 'shape' is {_show(shape)}, expected a "
                          f"list of at most {_MAX_DIMS} integers between 0 and 2**40.")
    offsets = entry["data_offsets"]
    if not (isinstance(offsets, list) and len(offsets) == 2
            and all(_is_int(n, 0, 2**62) for n in offsets) and offsets[0] <= offsets[1]):
        raise _fail(path, f"{where} is malformed: its 'data_offsets' are {_show(offsets)}, "
                          "expected [start, end] with integers 0 <= start <= end.")
    start, end = offsets
    nbytes = math.prod(shape) * _ITEMSIZE[_CODE_DTYPES[dtype]]
    if end - start != nbytes:
        raise _fail(path, f"{where} is inconsistent: its 'shape' {_show(shape)} of dtype "
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


def _decode_json(path: Path, meta: dict[str, Any], key: str) -> dict[str, Any]:
    text = meta.get(key)
    if not isinstance(text, str):
        raise _fail(path, f"its metadata has no {key!r} entry.")
    value = _loads(path, text, f"its {key!r} metadata")
    if not isinstance(value, dict):
        raise _fail(path, f"its {key!r} metadata is not a JSON object.")
    return value


def _decode_config(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    stored = _decode_json(path, meta, "config")
    unknown = sorted(set(stored) - set(SOM_PARAMETERS))
    if unknown:
        names = ", ".join(_show(name) for name in unknown[:5])
        raise _fail(path, f"its configuration has unknown settings [{names}].")
    config = {}
    for name, value in stored.items():
        if isinstance(value, (list, dict)) or (isinstance(value, str) and len(value) > 200):
            raise _fail(path, f"its configuration setting {name!r} is {_show(value)}, not a "
                              "plain value (a number, a short string, true/false or null).")
    for name, rule in SOM_PARAMETERS.items():
        if name in stored:
            config[name] = stored[name]
        elif rule.default is None and name != "device":
            raise _fail(path, f"its configuration lacks the required setting {name!r}.")
        else:
            config[name] = rule.default
    return config


def _decode_history(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    stored = _decode_json(path, meta, "history")
    history: dict[str, Any] = {}
    for key in _HISTORY_LISTS:
        values = stored.get(key, [])
        if not isinstance(values, list) or not all(
            v is None or isinstance(v, float) or _is_int(v, -(2**53), 2**53) for v in values
        ):
            raise _fail(path, f"its history entry {key!r} is not a list of numbers.")
        history[key] = [float("nan") if v is None else float(v) for v in values]
    epochs = stored.get("epochs_trained_", len(history["quantization_errors_"]))
    if not _is_int(epochs, 0, 2**62):
        raise _fail(path, f"its history entry 'epochs_trained_' is {_show(epochs)}, not an "
                          "int >= 0.")
    history["epochs_trained_"] = epochs
    return history


def _target_device(path: Path, stored: Any, map_location: Any) -> str:
    if map_location is not None:
        try:
            return resolve_device(map_location)
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"map_location must be None, 'cpu', 'cuda', 'cuda:N' or a torch.device "
                f"available here; got {map_location!r} ({exc})"
            ) from None
    try:
        return resolve_device(stored)
    except InvalidParameterError:
        warnings.warn(
            f"The SOM in '{path}' was saved on device {stored!r}, which is not available "
            "here; loading it on the CPU. Pass map_location to choose the device.",
            TorchSOMWarning,
            stacklevel=4,
        )
        return "cpu"


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read what a map file describes, without building the map.

    Returns
    -------
    dict
        ``format_version`` (int), ``torchsom_version`` (str), ``class`` (str),
        ``config`` (dict of constructor arguments), ``history`` (dict),
        ``weights_shape`` (tuple) and ``metadata`` (the dict given to :func:`save_som`,
        empty when none was).

    Raises
    ------
    SOMFileError
        If the file is not a valid map file.
    """
    source = _as_path(path)
    meta, tensors = _read_file(source)
    if "weights" not in tensors:
        raise _fail(source, "it holds no 'weights' tensor.")
    return {
        "format_version": int(meta["format_version"]),
        "torchsom_version": str(meta.get("torchsom_version", "")),
        "class": str(meta.get("class", "")),
        "config": _decode_config(source, meta),
        "history": _decode_history(source, meta),
        "weights_shape": tuple(tensors["weights"].shape),
        "metadata": _decode_json(source, meta, "user_metadata")
        if "user_metadata" in meta else {},
    }


def read_entries(path: str | os.PathLike[str]) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """Every metadata string and tensor of a map file, checked like :func:`load_som` does.

    Returns
    -------
    metadata : dict of str
    tensors : dict of torch.Tensor
        On the CPU.

    Raises
    ------
    SOMFileError
        If the file is not a valid map file.
    """
    return _read_file(_as_path(path))


def load_som(
    path: str | os.PathLike[str], map_location: Any = None, cls: type | None = None
) -> Any:
    """Load a map written by :func:`save_som`.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    map_location : str or torch.device, optional
        Device of the loaded map. ``None`` uses the device it was saved on, falling back
        to the CPU (with a :class:`~torchsom.exceptions.TorchSOMWarning`) when that device
        is not available here.
    cls : type, optional
        The class to build (default :class:`torchsom.SOM`).

    Returns
    -------
    SOM
        A map with the saved configuration, weights (in their saved dtype), training
        history and generator state.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    SOMFileError
        If the file is corrupt, truncated, crafted, not a map file, not a regular file,
        or of a newer format version; the message names the file and the problem (and
        the header field at fault).
    IsADirectoryError
        If ``path`` is a folder.
    InvalidParameterError
        If ``map_location`` is not a usable device.
    """
    if cls is None:
        from torchsom.core.som import SOM as cls
    source = _as_path(path)
    meta, tensors = _read_file(source)
    config = _decode_config(source, meta)
    history = _decode_history(source, meta)
    weights = tensors.get("weights")
    if weights is None:
        raise _fail(source, "it holds no 'weights' tensor.")
    for name in ("x", "y", "num_features"):
        if not _is_int(config[name], 1, _MAX_DIM):
            raise _fail(source, f"its configuration setting {name!r} is {_show(config[name])}, "
                                "not an int >= 1.")
    expected = (config["x"], config["y"], config["num_features"])
    if tuple(weights.shape) != expected or not weights.is_floating_point():
        raise _fail(
            source,
            f"its weights have shape {tuple(weights.shape)} and dtype {weights.dtype}, but "
            f"the configuration needs a floating tensor of shape {expected}.",
        )
    if not bool(torch.isfinite(weights).all()):
        raise _fail(source, "its weights contain NaN or inf values; the file is corrupt.")
    config["device"] = _target_device(source, config["device"], map_location)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        try:
            som = cls(**config)
        except InvalidParameterError as exc:
            raise _fail(source, f"its configuration is not valid: {exc}") from None
    if som.weights.dtype != weights.dtype:
        som.to(weights.dtype)
    with torch.no_grad():
        som.weights.copy_(weights.to(som.weights.device))
    state = tensors.get("generator_state")
    if state is not None:
        try:
            som._generator.set_state(state.to(torch.uint8).clone())
        except (RuntimeError, ValueError, TypeError):
            raise _fail(source, "its generator_state tensor is not a valid state.") from None
    som._search_strategy.rebuild_index(som.weights)
    som.quantization_errors_ = history["quantization_errors_"]
    som.topographic_errors_ = history["topographic_errors_"]
    som.epochs_trained_ = history["epochs_trained_"]
    return som
