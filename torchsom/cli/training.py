"""Training a map for ``torchsom fit``: scale, initialise, fit, cluster, learn the target."""

from __future__ import annotations

from typing import Any

import numpy as np

from torchsom.cli.model_file import FittedModel, TargetModel
from torchsom.cli.scaling import Scaler

__all__ = ["train_model"]


def train_model(
    raw: np.ndarray,
    names: list[str],
    som_kwargs: dict[str, Any],
    scale: str,
    *,
    target: np.ndarray | None = None,
    target_name: str | None = None,
    verbose: bool = True,
    training: dict[str, Any] | None = None,
) -> FittedModel:
    """Train a map on ``raw`` (n_rows, n_features) and gather what is saved with it.

    The features are scaled by ``scale``; a side of the map (``x``, ``y``) that is
    ``None`` is chosen from the scaled features, and a ``sigma`` of ``None`` is a quarter
    of the larger side (:func:`~torchsom.cli.settings.complete_map_settings`); the
    codebook is initialised with ``som_kwargs["initialization_mode"]`` (PCA needs 2
    features and 2 rows, random otherwise); the neurons are clustered with k-means (k by
    the elbow); with a ``target`` every neuron learns a class or a mean value.

    Raises
    ------
    InvalidParameterError
        For a bad map setting (named in the message).
    """
    import torch

    from torchsom.cli.analysis import best_units, neuron_clusters
    from torchsom.cli.settings import complete_map_settings
    from torchsom.core.som import SOM

    scaler = Scaler.fit(scale, raw)
    scaled = scaler.transform(raw)
    som_kwargs = complete_map_settings(som_kwargs, scaled)
    som = SOM(num_features=len(names), **som_kwargs)
    data = torch.as_tensor(scaled, dtype=torch.float32)
    mode = som_kwargs.get("initialization_mode", "random")
    if mode == "pca" and min(scaled.shape) < 2:
        mode = "random"
    som.initialize_weights(data, mode=mode)
    som.fit(data, verbose=verbose)
    model = FittedModel(som, names, scaler, neuron_clusters(som), None, dict(training or {}))
    if target is not None and target_name is not None:
        bmus, _ = best_units(som, scaled)
        codebook = som.weights.detach().reshape(som.x * som.y, -1).cpu().numpy()
        model.target = TargetModel.fit(target_name, target, bmus, codebook)
    return model
