"""Handlers of the ``torchsom`` sub-commands; they use only the public API."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["COMMANDS", "run_demo"]


def run_demo(args: argparse.Namespace) -> int:
    """Train a 25×15 map on standardised blobs and print the per-epoch errors."""
    import torch
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    from torchsom import SOM

    data, _ = make_blobs(n_samples=300, centers=3, n_features=4, random_state=42)
    features = torch.tensor(StandardScaler().fit_transform(data), dtype=torch.float32)
    som = SOM(x=25, y=15, num_features=4, epochs=args.epochs, batch_size=16, sigma=1.45,
              learning_rate=0.95, neighborhood_order=3, initialization_mode="pca",
              random_seed=42)
    som.initialize_weights(data=features, mode="pca")
    q_errors, t_errors = som.fit(features, verbose=not args.quiet)
    print("epoch  quantization_error  topographic_error_%")
    for epoch, (q, t) in enumerate(zip(q_errors, t_errors)):
        print(f"{epoch:5d}  {q:18.4f}  {t:19.2f}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"demo": run_demo}
