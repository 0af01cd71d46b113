"""Child of ``benchmarks/shared_start.py``: one library's batch map, epoch by epoch, from a
given starting codebook.

``python shared_start.py xpysom|ours DATA.npy START.npy EPOCHS OUT.npz``

Writes ``OUT.npz`` with ``epoch_<k>`` (x, y, F) after epochs ``0..k`` of an ``EPOCHS``
schedule (σ = 1.45 / (1 + 2t / EPOCHS), Kohonen's batch map, learning rate 1). ``xpysom``
starts from its own PCA codebook and writes it to ``START.npy``; ``ours`` reads it there.
Runs in the library's own environment (``.bench/xpysom`` or ``.bench/ours``).
"""

from __future__ import annotations

import sys

import numpy as np

SIGMA = 1.45
X, Y = 25, 15


def xpysom_epochs(data: np.ndarray, start_path: str, epochs: int) -> dict[str, np.ndarray]:
    from xpysom import xpysom

    som = xpysom.XPySom(X, Y, data.shape[1], sigma=SIGMA, learning_rate=1.0,
                        decay_function="asymptotic", neighborhood_function="gaussian",
                        std_coeff=1.0, topology="rectangular", activation_distance="euclidean",
                        random_seed=42, xp=np)
    som.pca_weights_init(data)
    np.save(start_path, np.asarray(som.get_weights(), dtype=np.float32))
    out = {}
    for epoch in range(epochs):  # XPySom evaluates its schedule at ``iteration`` of ``epochs``
        som.train(data, epochs, iter_beg=epoch, iter_end=epoch + 1)
        out[f"epoch_{epoch}"] = np.asarray(som.get_weights(), dtype=np.float32)
    return out


def ours_epochs(data: np.ndarray, start_path: str, epochs: int) -> dict[str, np.ndarray]:
    import torch

    from torchsom import SOM

    torch.set_num_threads(1)
    start = torch.from_numpy(np.load(start_path).astype(np.float32))
    samples = torch.from_numpy(data)
    out = {}
    for done in range(1, epochs + 1):  # a fit of ``done`` epochs on the full schedule
        som = SOM(x=X, y=Y, num_features=data.shape[1], epochs=done, sigma=SIGMA,
                  learning_rate=1.0, lr_decay_function=lambda v, t, T: v,
                  sigma_decay_function=lambda v, t, T: v / (1 + 2 * t / epochs),
                  neighborhood_function="gaussian", distance_function="euclidean",
                  algorithm="batch", random_seed=42)
        with torch.no_grad():
            som.weights.copy_(start)
        som.fit(samples, verbose=False)
        out[f"epoch_{done - 1}"] = som.weights.detach().numpy().copy()
    return out


def main(argv: list[str]) -> int:
    library, data_path, start_path, epochs, out_path = argv
    data = np.load(data_path).astype(np.float32)
    run = {"xpysom": xpysom_epochs, "ours": ours_epochs}[library]
    np.savez(out_path, **run(data, start_path, int(epochs)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
