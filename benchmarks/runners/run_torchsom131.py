"""Runner for torchsom 1.3.1 from PyPI (``.bench/torchsom131``); mini-batch rule only."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

import_lib = _common.import_torchsom
load_data = _common.load_torch_data
_torch = _common.torch_module


def build(lib, job, data):
    if job["rule"] != "minibatch":
        raise ValueError("torchsom 1.3.1 has only the mini-batch rule")
    return _common.build_torchsom(lib, job, data)


fit = _common.fit_torchsom
sync = _common.sync_torch
weights = _common.torchsom_weights


def versions(lib):
    from importlib.metadata import version

    import numpy

    return {"torchsom": version("torchsom"), "torch": _torch().__version__,
            "numpy": numpy.__version__}


def threads_seen(lib):
    return _torch().get_num_threads()


if __name__ == "__main__":
    sys.exit(_common.main(sys.modules[__name__]))
