"""Runner for XPySom 1.0.7 in numpy mode (``.bench/xpysom``); batch rule only.
CPU only; ``--device`` is ignored (its GPU mode needs CuPy)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402


def import_lib(job):
    import numpy
    from xpysom import xpysom

    xpysom._bench_numpy = numpy
    return xpysom


def load_data(lib, job, array):
    return array


def build(lib, job, data):
    if job["rule"] != "batch":
        raise ValueError("XPySom has only the batch rule")
    som = lib.XPySom(
        job["x"], job["y"], job["features"], sigma=job["sigma"],
        learning_rate=job["learning_rate"], decay_function="asymptotic",
        neighborhood_function="gaussian", std_coeff=1.0, topology="rectangular",
        activation_distance="euclidean", random_seed=job["seed"], xp=lib._bench_numpy,
    )
    som.pca_weights_init(data)
    return som


def fit(lib, job, som, data):
    som.train(data, job["epochs"])


def weights(lib, som):
    return som.get_weights()


def versions(lib):
    from importlib.metadata import version

    import numpy

    return {"xpysom": version("xpysom"), "numpy": numpy.__version__}


if __name__ == "__main__":
    sys.exit(_common.main(sys.modules[__name__]))
