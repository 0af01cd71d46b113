"""``train_model``: scale, initialise, fit, cluster and learn the target."""

from __future__ import annotations

import numpy as np
import pytest

from torchsom.cli.training import train_model
from torchsom.exceptions import InvalidParameterError


def test_the_map_learns_scaled_data_and_a_numeric_target() -> None:
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(40, 2)) * [1.0, 1000.0] + [0.0, 5000.0]
    model = train_model(raw, ["a", "b"], {"x": 3, "y": 3, "epochs": 3, "device": "cpu",
                                          "initialization_mode": "pca"}, "standard",
                        target=raw[:, 0] * 2.5 + 0.1, target_name="t", verbose=False)
    weights = model.som.weights.detach().numpy()
    assert np.abs(weights).max() < 5  # trained on standardised features
    assert model.target.kind == "values" and model.clusters.shape == (9,)
    assert model.som.epochs_trained_ == 3


def test_one_feature_falls_back_to_random_init_and_bad_settings_raise() -> None:
    raw = np.arange(10.0)[:, None]
    model = train_model(raw, ["a"], {"x": 2, "y": 2, "epochs": 1, "device": "cpu",
                                     "initialization_mode": "pca"}, "minmax", verbose=False)
    assert model.som.num_features == 1 and model.target is None
    with pytest.raises(InvalidParameterError, match="epochs"):
        train_model(raw, ["a"], {"x": 2, "y": 2, "epochs": 0, "device": "cpu"}, "none",
                    verbose=False)
