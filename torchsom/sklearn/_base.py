"""Map settings, training and searches shared by the scikit-learn estimators.

Every estimator trains a :class:`torchsom.SOM` in float64 (scikit-learn's convention:
float64 in, float64 out), on ``device``, and keeps it in ``som_``. Map settings are
checked when ``fit`` builds the map, with the map's own messages (they name the
parameter); the constructors only store their arguments, as scikit-learn requires.
A grid side left as ``None`` is chosen from the training data at ``fit``
(:func:`torchsom.sklearn._map_size.complete_map_size`) and the grid used is kept in
``map_size_``; ``x`` and ``y`` themselves are never changed.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils import check_random_state

from torchsom.core import SOM
from torchsom.exceptions import NotFittedError
from torchsom.sklearn._map_size import complete_map_size

__all__ = ["MAP_PARAMETERS", "SOMEstimatorBase", "EstimatorNotFittedError"]

#: the map settings every estimator takes, with their defaults, in signature order
MAP_PARAMETERS: dict[str, Any] = {
    "x": None,
    "y": None,
    "epochs": 20,
    "sigma": None,
    "learning_rate": 1.0,
    "algorithm": "batch",
    "batch_size": 32,
    "topology": "rectangular",
    "pbc": False,
    "neighborhood_function": "gaussian",
    "distance_function": "euclidean",
    "lr_decay_function": "asymptotic_decay",
    "sigma_decay_function": "asymptotic_decay",
    "initialization_mode": "pca",
    "device": None,
    "random_state": None,
    "verbose": False,
}

#: rows searched per call when the full (rows × neurons) distance matrix is built
_CHUNK_ROWS = 4096


class EstimatorNotFittedError(NotFittedError, SklearnNotFittedError):
    """Raised before ``fit``: both torchsom's and scikit-learn's ``NotFittedError``."""


class SOMEstimatorBase(BaseEstimator):
    """Map settings and helpers shared by the estimators.

    Subclasses spell out every parameter in their own ``__init__`` (scikit-learn reads
    the parameter names from the signature) and store them unchanged.
    """

    # ------------------------------------------------------------------ building the map
    def _map_seed(self) -> int | None:
        """The map's ``random_seed`` from ``random_state`` (an int is used as is)."""
        state = self.random_state
        if state is None:
            return None
        if isinstance(state, numbers.Integral) and not isinstance(state, bool) and state >= 0:
            return int(state)
        return int(check_random_state(state).randint(np.iinfo(np.int32).max))

    def _choose_map_size(self, data: np.ndarray) -> tuple[int, int]:
        """Set ``map_size_``: ``(x, y)`` with the sides left as ``None`` chosen from ``data``.

        Called by ``fit`` with the validated training rows (n_samples, n_features), before
        any map is built; every map of the fit then has this size.
        """
        self.map_size_ = complete_map_size(data, self.x, self.y, topology=self.topology,
                                           pbc=self.pbc)
        return self.map_size_

    def _map_sigma(self) -> Any:
        if self.sigma is not None:
            return self.sigma
        return max(self.map_size_) / 2.0

    def _build_map(self, n_features: int) -> SOM:
        """An untrained float64 map of ``map_size_`` with this estimator's settings
        (validated there)."""
        x, y = self.map_size_
        som = SOM(
            x=x, y=y, num_features=n_features, epochs=self.epochs,
            batch_size=self.batch_size, sigma=self._map_sigma(),
            learning_rate=self.learning_rate, topology=self.topology,
            lr_decay_function=self.lr_decay_function,
            sigma_decay_function=self.sigma_decay_function,
            neighborhood_function=self.neighborhood_function,
            distance_function=self.distance_function,
            initialization_mode=self.initialization_mode, pbc=self.pbc,
            search_backend="torch", device=self.device, random_seed=self._map_seed(),
            algorithm=self.algorithm,
        )
        names = getattr(self, "feature_names_in_", None)
        if names is not None and len(names) == n_features:
            som.feature_names_in_ = names  # component planes show the column names
        return som.double()

    def _train_map(self, data: np.ndarray) -> SOM:
        """Build a map for ``data`` (n_samples, n_features), initialise it and train it.

        ``initialization_mode="pca"`` falls back to ``"random"`` (samples drawn with
        the map's generator) when the data has fewer than 2 rows or 2 features.
        """
        som = self._build_map(data.shape[1])
        samples = som.internals.check_data(data, "X")
        mode = self.initialization_mode
        if mode == "pca" and min(samples.shape) < 2:
            mode = "random"
        som.initialize_weights(samples, mode=mode)
        som.fit(samples, verbose=bool(self.verbose))
        return som

    # ------------------------------------------------------------------ using the map
    def _check_fitted(self) -> None:
        if not hasattr(self, "som_"):
            raise EstimatorNotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call fit first."
            )

    @staticmethod
    def _bmu_indices(som: SOM, data: np.ndarray) -> np.ndarray:
        """Flat (row-major) index of each row's best-matching unit, shape (n_samples,)."""
        coords = som.identify_bmus(som.internals.check_data(data, "X"))
        return (coords[:, 0] * som.y + coords[:, 1]).cpu().numpy()

    @staticmethod
    def _distances(som: SOM, data: np.ndarray) -> np.ndarray:
        """Distance of each row to every neuron, shape (n_samples, x·y), float64."""
        internals = som.internals
        samples = internals.check_data(data, "X")
        codebook = som.weights.detach().reshape(som.x * som.y, -1)
        parts = []
        with torch.no_grad():
            for chunk in samples.split(_CHUNK_ROWS):
                parts.append(internals.cross_distance(chunk, codebook).cpu())
        return torch.cat(parts).numpy().astype(np.float64, copy=False)

    @staticmethod
    def _codebook(som: SOM) -> np.ndarray:
        """The codebook as float64, shape (x·y, n_features)."""
        return som.weights.detach().reshape(som.x * som.y, -1).cpu().numpy().astype(
            np.float64, copy=True)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
