"""Just-in-time learning (JITL) on a trained SOM.

For every query, :class:`JITLEstimator` collects the training samples that the map
places near it (:meth:`SOM.collect_samples <torchsom.core.som.SOM.collect_samples>`),
fits a fresh clone of a scikit-learn estimator on that buffer and predicts the query
with it: a local model per region of the map instead of one global model.

Example
-------
>>> import torch
>>> from sklearn.linear_model import Ridge
>>> from torchsom import SOM
>>> from torchsom.jitl import JITLEstimator
>>> X = torch.rand(300, 2) * 6 - 3
>>> y = torch.where(X[:, 0] > 0, 2 * X[:, 0], -X[:, 0]) + X[:, 1]
>>> som = SOM(6, 6, 2, epochs=5, algorithm="batch", device="cpu")
>>> som.initialize_weights(X, mode="pca")
>>> _ = som.fit(X, verbose=False)
>>> model = JITLEstimator(som, Ridge(alpha=1e-3), min_buffer_threshold=30).fit(X, y)
>>> model.predict(X[:3]).shape
(3,)
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score

from torchsom._registry import check_choice
from torchsom._validation import as_target, check_int
from torchsom.core import retrieval
from torchsom.exceptions import NotFittedError

__all__ = ["JITLEstimator", "TASKS"]

TASKS = ("auto", "regression", "classification")


class _NotFitted(NotFittedError, SklearnNotFittedError):
    """Raised by :class:`JITLEstimator` before ``fit``; also an sklearn NotFittedError."""


class JITLEstimator(BaseEstimator):
    """Local scikit-learn models fitted per query on the samples a SOM retrieves.

    Parameters
    ----------
    som : SOM
        A map with ``num_features`` equal to the number of columns of ``X``. A trained
        (or initialised) map is used as given and never modified. A map whose weights
        were never set is trained by :meth:`fit` on a copy (``initialize_weights`` with
        its ``initialization_mode``, then ``fit``), kept in ``som_``.
        ``set_params(som__x=...)`` (any ``som__`` setting) replaces it with a new,
        untrained map with those settings, so a grid search can tune the map itself.
    estimator : scikit-learn estimator, optional
        Cloned and fitted on every buffer. Default: ``Ridge(alpha=1.0)`` for regression
        and ``LogisticRegression(max_iter=1000)`` for classification: small, regularised
        linear models that stay well-posed on small or collinear buffers. Pass a
        pipeline (e.g. with a ``StandardScaler``) if the features are not on comparable
        scales.
    min_buffer_threshold : int, default=50
        Smallest buffer the ``bmu_neighborhood_knn`` mode aims for.
    retrieval_mode : {"bmu_neighborhood_knn", "bmu_neighborhood", "bmu_only"}
        How samples are retrieved; see :meth:`SOM.collect_samples`.
    task : {"auto", "regression", "classification"}, default="auto"
        ``auto`` treats a floating-point ``y`` as regression and integer, boolean or
        string labels as classification.

    Attributes
    ----------
    som_ : SOM
        The map used for retrieval: ``som`` itself, or the copy trained by ``fit``.
    estimator_ : estimator
        The (unfitted) template cloned for every buffer.
    task_ : str
        ``"regression"`` or ``"classification"``.
    classes_ : numpy.ndarray
        Class labels (classification only), sorted.
    n_features_in_ : int
        Number of features seen by ``fit``.
    bmus_map_ : dict
        ``(row, col)`` → training-row indices, the map used for retrieval.
    n_local_models_ : int
        Local models fitted by the last ``predict`` (queries with identical buffers
        share one).

    Notes
    -----
    Retrieval for all queries runs in one vectorised call; only fitting the local
    models loops, once per distinct buffer. A query whose buffer is empty (possible in
    the ``bmu_only`` and ``bmu_neighborhood`` modes) is predicted with the training mean
    (regression) or most frequent class (classification); a buffer holding a single
    class predicts that class.
    """

    def __init__(
        self,
        som: Any,
        estimator: Any = None,
        min_buffer_threshold: int = 50,
        retrieval_mode: str = "bmu_neighborhood_knn",
        task: str = "auto",
    ) -> None:
        self.som = som
        self.estimator = estimator
        self.min_buffer_threshold = min_buffer_threshold
        self.retrieval_mode = retrieval_mode
        self.task = task

    def __sklearn_clone__(self) -> JITLEstimator:
        """Clone the settings but share the trained SOM (it is never modified)."""
        params = self.get_params(deep=False)
        if params["estimator"] is not None:
            params["estimator"] = clone(params["estimator"])
        return type(self)(**params)

    def set_params(self, **params: Any) -> JITLEstimator:
        """Set parameters; ``som__<name>`` settings give a new, untrained map.

        The current map is never modified (clones of this estimator share it): the
        settings are applied to a fresh map built from its constructor arguments, which
        :meth:`fit` then trains on ``X``.

        Returns
        -------
        JITLEstimator
            ``self``.
        """
        map_settings = {key[len("som__"):]: params.pop(key)
                        for key in [k for k in params if k.startswith("som__")]}
        if "som" in params:
            self.som = params.pop("som")
        if map_settings:
            if not hasattr(self.som, "get_params"):
                raise TypeError(
                    f"som__ settings need a torchsom SOM as som; got {type(self.som).__name__}."
                )
            settings = {**self.som.get_params(deep=False), **map_settings}
            self.som = type(self.som)(**settings)
        super().set_params(**params)
        return self

    def _trained_map(self, X: Any) -> Any:
        """The map to retrieve with: ``som``, or a trained copy if it was never set."""
        som = self.som
        internals = getattr(som, "internals", None)
        if internals is None or not internals.weights_never_set():
            return som
        trained = copy.deepcopy(som)
        samples = trained.internals.check_data(X, "X")
        mode = trained.initialization_mode
        if mode == "pca" and min(samples.shape) < 2:
            mode = "random"
        trained.initialize_weights(samples, mode=mode)
        trained.fit(samples, verbose=False)
        return trained

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> JITLEstimator:
        """Store the training data and map it onto the SOM.

        Parameters
        ----------
        X : array-like
            Shape (n_samples, num_features).
        y : array-like
            Shape (n_samples,) or, for regression, (n_samples, n_outputs).

        Returns
        -------
        JITLEstimator
            ``self``.
        """
        check_choice("task", self.task, TASKS)
        check_choice("retrieval_mode", self.retrieval_mode, retrieval.RETRIEVAL_MODES)
        check_int("min_buffer_threshold", self.min_buffer_threshold, 0)
        if not hasattr(self.som, "build_map") or not hasattr(self.som, "internals"):
            raise TypeError(f"som must be a trained torchsom SOM; got {type(self.som).__name__}.")
        self.som_ = self._trained_map(X)
        samples = self.som_.internals.check_data(X, "X")
        labels = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y)
        if labels.ndim == 0 or labels.shape[0] != samples.shape[0]:
            raise ValueError(
                f"y has {labels.shape[0] if labels.ndim else 0} entries but X has "
                f"{samples.shape[0]} samples; they must match."
            )
        task = self.task
        if task == "auto":
            task = "regression" if labels.dtype.kind in "fc" else "classification"
        if task == "classification":
            if labels.ndim != 1:
                raise ValueError(
                    f"y must have shape (n_samples,) for classification; got {labels.shape}."
                )
            self.classes_, codes = np.unique(labels, return_inverse=True)
            self._y = codes.reshape(-1)
            counts = np.bincount(self._y)
            self._default = int(np.argmax(counts))
        else:
            checked = as_target(labels.astype(np.float64, copy=False) if labels.dtype.kind in "iub"
                                else labels, n_samples=samples.shape[0], name="y")
            self._y = checked.double().numpy()
            self._default = self._y.mean(axis=0)
            if hasattr(self, "classes_"):
                del self.classes_
        self.task_ = task
        if self.estimator is not None:
            self.estimator_ = clone(self.estimator)
        elif task == "classification":
            self.estimator_ = LogisticRegression(max_iter=1000)
        else:
            self.estimator_ = Ridge(alpha=1.0)
        self._X = samples
        self._X_np = samples.detach().cpu().double().numpy()
        self.n_features_in_ = samples.shape[1]
        self.bmus_map_ = self.som_.build_map("bmus_data", data=samples, return_indices=True)
        return self

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "task_"):
            raise _NotFitted(
                f"This {type(self).__name__} instance is not fitted yet; call fit first."
            )

    def _buffers(self, X: Any) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        queries = self.som_.internals.check_data(X, "X")
        indices, offsets = retrieval.retrieval_indices(
            self.som_, queries, self._X, self.bmus_map_, self.min_buffer_threshold,
            self.retrieval_mode,
        )
        return queries, indices.cpu().numpy(), offsets.cpu().numpy()

    def _local_outputs(self, X: Any, proba: bool) -> np.ndarray:
        """Per-query outputs: predictions (codes / values) or class probabilities."""
        queries, indices, offsets = self._buffers(X)
        q_np = queries.detach().cpu().double().numpy()
        n_queries = q_np.shape[0]
        groups: dict[bytes, list[int]] = {}
        for i in range(n_queries):
            buffer = np.sort(indices[offsets[i]:offsets[i + 1]])
            groups.setdefault(buffer.tobytes(), []).append(i)
        if proba:
            out = np.zeros((n_queries, len(self.classes_)))
        elif self.task_ == "classification":
            out = np.zeros(n_queries, dtype=np.int64)
        else:
            out = np.zeros((n_queries,) + self._y.shape[1:])
        fitted = 0
        for key, members in groups.items():
            rows = np.frombuffer(key, dtype=indices.dtype)
            out[members], used_model = self._predict_buffer(rows, q_np[members], proba)
            fitted += used_model
        self.n_local_models_ = fitted
        return out

    def _predict_buffer(
        self, rows: np.ndarray, queries: np.ndarray, proba: bool
    ) -> tuple[Any, bool]:
        """Outputs for ``queries`` sharing the buffer ``rows``, and whether a model was fit."""
        if rows.size == 0:
            if proba:
                return np.eye(len(self.classes_))[self._default], False
            return self._default, False
        targets = self._y[rows]
        if self.task_ == "classification":
            present = np.unique(targets)
            if present.size == 1:
                one = np.eye(len(self.classes_))[present[0]] if proba else present[0]
                return one, False
            model = clone(self.estimator_).fit(self._X_np[rows], targets)
            if not proba:
                return model.predict(queries), True
            full = np.zeros((queries.shape[0], len(self.classes_)))
            full[:, model.classes_] = model.predict_proba(queries)
            return full, True
        return clone(self.estimator_).fit(self._X_np[rows], targets).predict(queries), True

    def predict(self, X: Any) -> np.ndarray:
        """Predict every query with a model fitted on its own buffer.

        Parameters
        ----------
        X : array-like
            Shape (n_queries, num_features).

        Returns
        -------
        numpy.ndarray
            Shape (n_queries,) (or (n_queries, n_outputs) for multi-output regression);
            class labels for classification.
        """
        self._check_fitted()
        out = self._local_outputs(X, proba=False)
        return self.classes_[out] if self.task_ == "classification" else out

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_queries, n_classes), columns as ``classes_``.

        Classes absent from a query's buffer get probability 0.
        """
        self._check_fitted()
        if self.task_ != "classification":
            raise AttributeError("predict_proba is only available for classification.")
        return self._local_outputs(X, proba=True)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy (classification) or R² (regression) of :meth:`predict` on ``(X, y)``."""
        predicted = self.predict(X)
        truth = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y)
        if self.task_ == "classification":
            return float(accuracy_score(truth, predicted))
        return float(r2_score(truth, predicted))
