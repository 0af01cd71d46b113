"""Runner for this repository's torchsom (``.bench/ours``, editable install)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

import_lib = _common.import_torchsom
load_data = _common.load_torch_data
_torch = _common.torch_module


def _constant(value, epoch, epochs):
    return value


def build(lib, job, data):
    extra = {"lr_decay_function": _constant} if job.get("constant_lr") else {}
    return _common.build_torchsom(lib, job, data, algorithm=job["rule"], **extra)


fit = _common.fit_torchsom
sync = _common.sync_torch
weights = _common.torchsom_weights


def versions(lib):
    import numpy

    torch = _torch()
    return {"torchsom": getattr(lib, "__version__", "?"), "torch": torch.__version__,
            "numpy": numpy.__version__, "engine_hash": engine_hash(lib)}


def engine_hash(lib):
    """Short hash of the package's .py sources: which engine state was measured."""
    import hashlib

    root = os.path.dirname(lib.__file__)
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, root).encode())
                with open(path, "rb") as fh:
                    digest.update(fh.read())
    return digest.hexdigest()[:12]


def threads_seen(lib):
    return _torch().get_num_threads()


if __name__ == "__main__":
    sys.exit(_common.main(sys.modules[__name__]))
