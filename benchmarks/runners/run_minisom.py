"""Runner for MiniSom 2.3.6 (``.bench/minisom``): ``train`` (online) and
``train_batch_offline`` (batch). CPU only; ``--device`` is ignored."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402


def import_lib(job):
    import minisom

    return minisom


def load_data(lib, job, array):
    return array


def build(lib, job, data):
    som = lib.MiniSom(
        job["x"], job["y"], job["features"], sigma=job["sigma"],
        learning_rate=job["learning_rate"], decay_function="asymptotic_decay",
        sigma_decay_function="asymptotic_decay", neighborhood_function="gaussian",
        topology="rectangular", activation_distance="euclidean", random_seed=job["seed"],
    )
    som.pca_weights_init(data)
    return som


def fit(lib, job, som, data):
    if job["rule"] == "online":
        som.train(data, job["epochs"], random_order=True, use_epochs=True)
    elif job["rule"] == "batch":
        som.train_batch_offline(data, job["epochs"])
    else:
        raise ValueError(f"MiniSom has no rule {job['rule']!r}")


def weights(lib, som):
    return som.get_weights()


def versions(lib):
    from importlib.metadata import version

    import numpy

    return {"minisom": version("minisom"), "numpy": numpy.__version__}


if __name__ == "__main__":
    sys.exit(_common.main(sys.modules[__name__]))
