"""Saving and loading self-organizing maps: safe, atomic, self-describing files.

File format
-----------
A saved map is one `safetensors <https://huggingface.co/docs/safetensors>`_ file:

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

The byte container (header, checksum, atomic write, defensive reading) is
:mod:`torchsom.core.container`; what a saved map holds and how it is rebuilt is
:mod:`torchsom.core.persistence`. This module is their public face.
"""

from __future__ import annotations

import os
from typing import Any

from torchsom.core import persistence
from torchsom.core.container import FORMAT_NAME, FORMAT_VERSION, SOMFileError, read_entries
from torchsom.core.persistence import read_metadata, save_som
from torchsom.core.som import SOM

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SOMFileError",
    "save_som",
    "load_som",
    "read_metadata",
    "read_entries",
]


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
    return persistence.load_som(path, map_location, cls=SOM if cls is None else cls)
