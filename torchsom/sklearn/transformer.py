"""SOMTransformer: a self-organizing map as a scikit-learn transformer."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_array, validate_data

from torchsom._registry import check_choice
from torchsom._validation import check_positive_float
from torchsom.sklearn._base import SOMEstimatorBase

__all__ = ["SOMTransformer", "ENCODINGS"]

ENCODINGS = ("bmu", "distance", "activation")


class SOMTransformer(TransformerMixin, SOMEstimatorBase):
    """Train a map on ``X`` and describe each row by where it lands on the map.

    Parameters
    ----------
    x, y : int or None, default=None
        Grid rows and columns. A side left as ``None`` is chosen from the training rows
        at :meth:`fit`: both left out give ``torchsom.suggest_map_size(X,
        topology=topology, pbc=pbc)`` (about ``5·√n_samples`` neurons, the sides in the
        ratio of the data's two main spreads); with one side given, the other makes
        about as many neurons, ``round(5 · n_samples^0.54321 / given)`` (rows rounded up
        to an even number on a hexagonal torus). The grid used is ``map_size_``.
    epochs : int, default=20
        Training epochs.
    sigma : float, optional
        Initial neighbourhood width in grid units; ``None`` means half the longer side
        of ``map_size_``.
    learning_rate : float, default=1.0
        Initial learning rate (for the batch rule, the blend towards the batch solution).
    algorithm : {"batch", "minibatch"}, default="batch"
        Training rule of :class:`torchsom.SOM`.
    batch_size : int, default=32
        Rows per update of the mini-batch rule.
    topology : {"rectangular", "hexagonal"}, default="rectangular"
        Grid geometry.
    pbc : bool, default=False
        Periodic boundaries (a torus).
    neighborhood_function, distance_function, lr_decay_function, sigma_decay_function
        As in :class:`torchsom.SOM`.
    initialization_mode : {"pca", "random"}, default="pca"
        Codebook initialisation; ``"pca"`` falls back to ``"random"`` when the data has
        fewer than 2 rows or 2 features.
    device : str, optional
        Where the map lives; ``None`` means "cuda if available". Input and output stay
        numpy arrays.
    random_state : int, RandomState or None, default=None
        Seed of the map (an int is used as the map's ``random_seed``).
    verbose : bool, default=False
        Show the training progress bar.
    encoding : {"bmu", "distance", "activation"}, default="bmu"
        What :meth:`transform` returns per row: the grid coordinates ``(row, col)`` of
        its best-matching unit (2 columns); its distance to every neuron (``x·y``
        columns, row-major neuron order); or a soft activation over the neurons,
        ``softmax(-d² / (2·width²))`` (``x·y`` columns that sum to 1).
    activation_width : float, optional
        ``width`` of the activation; ``None`` uses the mean distance of the training
        rows to their best-matching unit (``activation_width_``).

    Attributes
    ----------
    map_size_ : tuple of (int, int)
        The grid ``(x, y)`` of the trained map: the given sides and the chosen ones.
    som_ : torchsom.SOM
        The trained map (float64).
    codebook_ : numpy.ndarray
        Shape (x·y, n_features_in_): the neurons' weight vectors, row-major.
    activation_width_ : float
        Width used by the ``"activation"`` encoding.
    n_features_in_ : int
        Number of features seen by :meth:`fit`.
    feature_names_in_ : numpy.ndarray
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from torchsom.sklearn import SOMTransformer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> SOMTransformer(x=4, y=4, encoding="distance", random_state=0, device="cpu"
    ...                ).fit_transform(X).shape
    (100, 16)
    """

    def __init__(
        self,
        x: int | None = None,
        y: int | None = None,
        epochs: int = 20,
        sigma: float | None = None,
        learning_rate: float = 1.0,
        algorithm: str = "batch",
        batch_size: int = 32,
        topology: str = "rectangular",
        pbc: bool = False,
        neighborhood_function: Any = "gaussian",
        distance_function: Any = "euclidean",
        lr_decay_function: Any = "asymptotic_decay",
        sigma_decay_function: Any = "asymptotic_decay",
        initialization_mode: str = "pca",
        device: Any = None,
        random_state: Any = None,
        verbose: bool = False,
        encoding: str = "bmu",
        activation_width: float | None = None,
    ) -> None:
        self.x = x
        self.y = y
        self.epochs = epochs
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.algorithm = algorithm
        self.batch_size = batch_size
        self.topology = topology
        self.pbc = pbc
        self.neighborhood_function = neighborhood_function
        self.distance_function = distance_function
        self.lr_decay_function = lr_decay_function
        self.sigma_decay_function = sigma_decay_function
        self.initialization_mode = initialization_mode
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.encoding = encoding
        self.activation_width = activation_width

    def fit(self, X: Any, y: Any = None) -> SOMTransformer:
        """Train the map on ``X``.

        Parameters
        ----------
        X : array-like
            Shape (n_samples, n_features).
        y : None
            Ignored.

        Returns
        -------
        SOMTransformer
            ``self``.
        """
        check_choice("encoding", self.encoding, ENCODINGS)
        if self.activation_width is not None:
            check_positive_float("activation_width", self.activation_width)
        X = validate_data(self, X, dtype=np.float64)
        self._choose_map_size(X)
        self.som_ = self._train_map(X)
        self.codebook_ = self._codebook(self.som_)
        if self.activation_width is not None:
            self.activation_width_ = float(self.activation_width)
        else:  # the mean distance to the BMU, searched in chunks
            mean_qe = self.som_.quantization_error(self.som_.internals.check_data(X, "X"))
            self.activation_width_ = mean_qe if mean_qe > 0 else 1.0
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Describe each row of ``X`` by its place on the map (see ``encoding``).

        Parameters
        ----------
        X : array-like
            Shape (n_samples, n_features_in_).

        Returns
        -------
        numpy.ndarray
            float64, shape (n_samples, 2) for ``"bmu"``, else (n_samples, x·y).
        """
        self._check_fitted()
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.encoding == "bmu":
            flat = self._bmu_indices(self.som_, X)
            return np.stack((flat // self.som_.y, flat % self.som_.y), axis=1).astype(
                np.float64)
        distances = self._distances(self.som_, X)
        if self.encoding == "distance":
            return distances
        return _soft_activation(distances, self.activation_width_)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """The codebook vector of the best-matching unit each transformed row points to.

        Parameters
        ----------
        X : array-like
            Output of :meth:`transform`: (n_samples, 2) grid coordinates, or
            (n_samples, x·y) distances (the smallest wins) or activations (the largest
            wins).

        Returns
        -------
        numpy.ndarray
            Shape (n_samples, n_features_in_).
        """
        self._check_fitted()
        X = check_array(X, dtype=np.float64, input_name="X")
        n_neurons = self.codebook_.shape[0]
        width = 2 if self.encoding == "bmu" else n_neurons
        if X.shape[1] != width:
            raise ValueError(
                f"X must have {width} columns (the output of transform with "
                f"encoding={self.encoding!r}); got shape {X.shape}."
            )
        if self.encoding == "bmu":
            coords = np.rint(X).astype(np.int64)
            bad = (coords[:, 0] < 0) | (coords[:, 0] >= self.som_.x) | (coords[:, 1] < 0) | (
                coords[:, 1] >= self.som_.y)
            if bad.any():
                raise ValueError(
                    f"X holds grid coordinates outside the {self.som_.x}×{self.som_.y} map "
                    f"(first bad row {int(np.flatnonzero(bad)[0])}: {X[bad][0].tolist()})."
                )
            flat = coords[:, 0] * self.som_.y + coords[:, 1]
        elif self.encoding == "distance":
            flat = np.argmin(X, axis=1)
        else:
            flat = np.argmax(X, axis=1)
        return self.codebook_[flat]

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the quantization error: the mean distance of each row to its BMU, negated.

        Higher is better, as scikit-learn's model selection expects.
        """
        self._check_fitted()
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return -float(self.som_.quantization_error(self.som_.internals.check_data(X, "X")))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: ``bmu_row, bmu_col`` or ``<encoding>_<row>_<col>``."""
        self._check_fitted()
        _check_feature_names_in(self, input_features)
        if self.encoding == "bmu":
            return np.asarray(["bmu_row", "bmu_col"], dtype=object)
        return np.asarray([f"{self.encoding}_{r}_{c}" for r in range(self.som_.x)
                           for c in range(self.som_.y)], dtype=object)


def _soft_activation(distances: np.ndarray, width: float) -> np.ndarray:
    """Row-wise ``softmax(-d² / (2·width²))`` computed stably, shape as ``distances``."""
    logits = -(distances ** 2) / (2.0 * width * width)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)
