"""SOMRegressor: a supervised self-organizing map for one or several targets."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import _check_sample_weight, validate_data

from torchsom.sklearn._supervised import SupervisedSOMBase
from torchsom.sklearn._targets import check_targets, require_y

__all__ = ["SOMRegressor"]


class SOMRegressor(RegressorMixin, SupervisedSOMBase):
    """Predict the target mean that each neuron collects from the training rows.

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
        ``"two_stage"``: train the map on ``X``, then give every neuron the weighted
        mean target of the rows in its grid neighbourhood. ``"xyf"``: train the map on
        ``X`` and the standardised targets together (see ``xy_weight``), then estimate
        the neuron targets the same way. Prediction always searches ``X`` only.
    xy_weight : float, default=0.5
        Share of the targets in the xyf distance, strictly between 0 and 1.
    label_sigma : float, optional
        Width (grid units) of the gaussian that spreads each row's target over the
        grid; ``None`` uses the map's neighbourhood width of the last training epoch.
    semi_supervised : bool, default=False
        NaN targets mark unlabelled entries: their rows train the map but do not enter
        the neuron means (per output). Without it, NaN in ``y`` is an error.

    Attributes
    ----------
    n_outputs_ : int
        Number of target columns.
    neuron_targets_ : numpy.ndarray
        Shape (x·y, n_outputs): each neuron's predicted target, row-major.
    map_size_ : tuple of (int, int)
        The grid ``(x, y)`` of the trained map: the given sides and the chosen ones.
    som_ : torchsom.SOM
        The map of the ``X`` space used for prediction (float64).
    joint_som_ : torchsom.SOM
        ``"xyf"`` only: the map trained on the scaled ``[X, Y]``.
    n_features_in_ : int
        Number of features seen by :meth:`fit`.
    feature_names_in_ : numpy.ndarray
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from torchsom.sklearn import SOMRegressor
    >>> X = np.random.default_rng(0).uniform(-2, 2, size=(300, 2))
    >>> y = np.sin(X[:, 0]) + X[:, 1] ** 2
    >>> reg = SOMRegressor(x=8, y=8, random_state=0, device="cpu").fit(X, y)
    >>> reg.score(X, y) > 0.8
    True
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

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SOMRegressor:
        """Train the map and give every neuron a target.

        Parameters
        ----------
        X : array-like
            Shape (n_samples, n_features).
        y : array-like
            Shape (n_samples,) or (n_samples, n_outputs); NaN marks unlabelled entries
            when ``semi_supervised=True``.
        sample_weight : array-like, optional
            Shape (n_samples,), non-negative: each row's weight in the neuron means.

        Returns
        -------
        SOMRegressor
            ``self``.

        Raises
        ------
        ValueError
            For a ``y`` of the wrong length, non-numeric or infinite targets, or NaN
            outside semi-supervised mode.
        """
        require_y(y, type(self).__name__)
        self._check_supervised_parameters()
        X = validate_data(self, X, dtype=np.float64)
        self._choose_map_size(X)
        targets, one_d = check_targets(y, X.shape[0], self.semi_supervised)
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                       ensure_non_negative=True)
        observed = ~np.isnan(targets)
        if not ((weights[:, None] * observed) > 0).any(axis=0).all():
            raise ValueError(
                "sample_weight is zero for every labelled row of at least one output; "
                "each output needs a labelled row with a positive weight."
            )
        self.n_outputs_ = targets.shape[1]
        self._one_d_target = one_d
        self.neuron_targets_ = self._fit_neuron_outputs(X, targets, weights, per_column=True)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The target of each row's best-matching unit.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples,) for a 1-D ``y`` at fit time, else (n_samples, n_outputs).
        """
        self._check_fitted()
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = self.neuron_targets_[self._neuron_rows(X)]
        return out[:, 0] if self._one_d_target else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
