"""SOMClassifier: a supervised self-organizing map for class labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import _check_sample_weight, validate_data

from torchsom.sklearn._supervised import SupervisedSOMBase
from torchsom.sklearn._targets import encode_labels, require_y

__all__ = ["SOMClassifier"]


class SOMClassifier(ClassifierMixin, SupervisedSOMBase):
    """Classify by the labels the map's neurons collect from the training rows.

    Parameters
    ----------
    x, y : int or None, default=None
        Grid rows and columns; a side left as ``None`` is chosen from ``X`` at :meth:`fit`
        (see :class:`~torchsom.sklearn.SOMTransformer`); the grid used is ``map_size_``.
    epochs, sigma, learning_rate, algorithm, batch_size, topology, pbc, \
neighborhood_function, distance_function, lr_decay_function, sigma_decay_function, \
initialization_mode, device, random_state, verbose
        Map settings, as in :class:`~torchsom.sklearn.SOMTransformer`.
    method : {"two_stage", "xyf"}, default="xyf"
        ``"two_stage"``: train the map on ``X``, then label every neuron by the
        weighted vote of the rows in its grid neighbourhood. ``"xyf"``: train the map on
        ``X`` and the one-hot labels together (see ``xy_weight``), then label the
        neurons the same way. Prediction always searches ``X`` only.
    xy_weight : float, default=0.5
        Share of the labels in the xyf distance, strictly between 0 and 1:
        ``(1 − xy_weight)·d²_X + xy_weight·d²_Y`` with both blocks scaled to total
        variance 1. Unused by ``"two_stage"``.
    label_sigma : float, optional
        Width (grid units) of the gaussian that spreads each row's vote over the grid;
        ``None`` uses the map's neighbourhood width of the last training epoch. Small
        values trust each neuron's own rows; larger ones smooth the label map.
    semi_supervised : bool, default=False
        Rows labelled ``-1`` (numeric labels), ``NaN`` (float labels) or ``None``
        (object labels) are unlabelled: they train the map but do not vote. Without it,
        ``-1`` is an ordinary class and NaN is an error.

    Attributes
    ----------
    classes_ : numpy.ndarray
        Sorted class labels.
    neuron_proba_ : numpy.ndarray
        Shape (x·y, n_classes): each neuron's class probabilities, row-major.
    map_size_ : tuple of (int, int)
        The grid ``(x, y)`` of the trained map: the given sides and the chosen ones.
    som_ : torchsom.SOM
        The map of the ``X`` space used for prediction (float64).
    joint_som_ : torchsom.SOM
        ``"xyf"`` only: the map trained on the scaled ``[X, Y]`` (its training history).
    n_features_in_ : int
        Number of features seen by :meth:`fit`.
    feature_names_in_ : numpy.ndarray
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from torchsom.sklearn import SOMClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SOMClassifier(x=5, y=5, random_state=0, device="cpu").fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
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
        method: str = "xyf",
        xy_weight: float = 0.5,
        label_sigma: float | None = None,
        semi_supervised: bool = False,
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
        self.method = method
        self.xy_weight = xy_weight
        self.label_sigma = label_sigma
        self.semi_supervised = semi_supervised

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SOMClassifier:
        """Train the map and label its neurons.

        Parameters
        ----------
        X : array-like
            Shape (n_samples, n_features).
        y : array-like
            Shape (n_samples,): class labels (numbers or strings, not both).
        sample_weight : array-like, optional
            Shape (n_samples,), non-negative: each row's weight in the neuron votes.

        Returns
        -------
        SOMClassifier
            ``self``.

        Raises
        ------
        ValueError
            For a ``y`` of the wrong length, mixed strings and numbers, fewer than two
            classes, or (outside semi-supervised mode) NaN labels.
        """
        require_y(y, type(self).__name__)
        self._check_supervised_parameters()
        X = validate_data(self, X, dtype=np.float64)
        self._choose_map_size(X)
        codes, classes = encode_labels(y, X.shape[0], self.semi_supervised)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got 1 class "
                f"({classes[0]!r})."
            )
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                       ensure_non_negative=True)
        labelled = codes >= 0
        if not (weights[labelled] > 0).any():
            raise ValueError(
                "sample_weight is zero for every labelled row; at least one labelled row "
                "needs a positive weight."
            )
        targets = np.full((X.shape[0], classes.shape[0]), np.nan)
        targets[labelled] = np.eye(classes.shape[0])[codes[labelled]]
        self.classes_ = classes
        self.neuron_proba_ = self._fit_neuron_outputs(X, targets, weights, per_column=False)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of each row's best-matching unit.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples, n_classes), columns in the order of ``classes_``.
        """
        self._check_fitted()
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.neuron_proba_[self._neuron_rows(X)]

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (ties go to the first in ``classes_``).

        Returns
        -------
        numpy.ndarray
            Shape (n_samples,), labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``.

        Raises
        ------
        ValueError
            If ``y`` holds labels that were not seen by :meth:`fit`.
        """
        self._check_fitted()
        truth = np.asarray(y)
        if truth.ndim == 2 and truth.shape[1] == 1:
            truth = truth[:, 0]
        unseen = ~np.isin(truth, self.classes_)
        if unseen.any():
            raise ValueError(
                f"y contains labels not seen during fit: {sorted(set(truth[unseen].tolist()))}"
                f"; the classifier knows {self.classes_.tolist()}."
            )
        return float(accuracy_score(truth, self.predict(X), sample_weight=sample_weight))
