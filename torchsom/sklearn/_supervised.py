"""Training shared by the supervised maps (:class:`SOMClassifier`, :class:`SOMRegressor`).

Two rules, chosen by ``method``:

``"two_stage"``
    Train the map on ``X`` alone (every row, labelled or not), then give every neuron
    the weighted neighbourhood vote (classes) or mean (targets) of the labelled rows
    (:mod:`torchsom.sklearn._labelling`).
``"xyf"``
    Train the map on ``X`` and ``Y`` side by side, so the targets shape the map too.
    ``X`` is divided by its total standard deviation and ``Y`` by its own (one-hot
    classes), or standardised per column and divided by √n_outputs (targets), so each
    block has total variance 1; the blocks are then multiplied by ``√(1 − xy_weight)``
    and ``√xy_weight``, which makes the squared euclidean distance
    ``(1 − xy_weight)·d²_X + xy_weight·d²_Y``. Prediction searches the ``X`` part of
    the codebook only, and neuron outputs are then estimated from the labelled rows as
    in the two-stage rule, with the map's ``X`` part. In semi-supervised fits the
    unlabelled rows first get the predictions of a two-stage map as their ``Y``.

Both rules use ``sample_weight`` in the per-neuron votes and means; the map itself is
trained on the rows unweighted.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch

from torchsom._registry import check_choice
from torchsom._validation import check_bool, check_positive_float
from torchsom.core import SOM
from torchsom.exceptions import InvalidParameterError
from torchsom.sklearn._base import SOMEstimatorBase
from torchsom.sklearn._labelling import final_sigma, neuron_means

__all__ = ["SupervisedSOMBase", "SUPERVISION_METHODS"]

SUPERVISION_METHODS = ("two_stage", "xyf")


class SupervisedSOMBase(SOMEstimatorBase):
    """Fit and lookup of per-neuron outputs; subclasses turn them into predictions."""

    def _check_supervised_parameters(self) -> None:
        check_choice("method", self.method, SUPERVISION_METHODS)
        weight = self.xy_weight
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not (
            0.0 < float(weight) < 1.0
        ):
            raise InvalidParameterError(
                f"xy_weight must be a real number strictly between 0 and 1 (the share of "
                f"the targets in the xyf distance); got {weight!r}."
            )
        if self.label_sigma is not None:
            check_positive_float("label_sigma", self.label_sigma)
        check_bool("semi_supervised", self.semi_supervised)

    def _label_sigma(self, som: SOM) -> float:
        return float(self.label_sigma) if self.label_sigma is not None else final_sigma(som)

    def _fit_neuron_outputs(
        self, X: np.ndarray, targets: np.ndarray, weights: np.ndarray, per_column: bool
    ) -> np.ndarray:
        """Train the map(s), set ``som_`` (and ``joint_som_``), return (x·y, k) outputs.

        ``targets`` is (n_samples, k) float64 with NaN for unobserved entries.
        """
        if self.method == "two_stage":
            som = self._train_map(X)
        else:
            filled = targets
            missing = np.isnan(targets)
            if missing.any():
                first = self._train_map(X)
                bmu = self._bmu_indices(first, X)
                guess = neuron_means(first, bmu, targets, weights, self._label_sigma(first))
                filled = np.where(missing, guess[bmu], targets)
            som = self._train_joint(X, filled, per_column)
        self.som_ = som
        bmu = self._bmu_indices(som, X)
        return neuron_means(som, bmu, targets, weights, self._label_sigma(som))

    def _train_joint(self, X: np.ndarray, Y: np.ndarray, per_column: bool) -> SOM:
        """Train on ``[X, Y]`` weighted by ``xy_weight``; return the map of the X part."""
        x_scale = _total_std(X)
        centred = Y - Y.mean(axis=0)
        if per_column:
            std = centred.std(axis=0)
            y_block = centred / np.where(std > 0, std, 1.0) / np.sqrt(Y.shape[1])
        else:
            y_block = centred / _total_std(Y)
        share = float(self.xy_weight)
        x_factor = np.sqrt(1.0 - share) / x_scale
        joint = np.hstack((X * x_factor, y_block * np.sqrt(share)))
        self.joint_som_ = self._train_map(joint)
        n_features = X.shape[1]
        x_part = self.joint_som_.weights.detach()[..., :n_features] / x_factor
        som = self._build_map(n_features)
        with torch.no_grad():
            som.weights.copy_(x_part.to(som.weights))
        som.internals.weights_changed()
        som.epochs_trained_ = self.joint_som_.epochs_trained_
        return som

    def _neuron_rows(self, X: Any) -> np.ndarray:
        """Flat best-matching unit of each row of a validated ``X``."""
        return self._bmu_indices(self.som_, X)


def _total_std(data: np.ndarray) -> float:
    """√(Σ_j var(data[:, j])): the root mean squared distance to the mean row (1 if 0)."""
    total = float(np.sqrt(data.var(axis=0).sum()))
    return total if total > 0 else 1.0
