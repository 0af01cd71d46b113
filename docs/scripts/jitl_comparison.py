"""JITL against the same estimator trained globally, on wine and diabetes.

Run from the repository root::

    .venv/bin/python docs/scripts/jitl_comparison.py

Five-fold cross-validation (shuffled, seed 0). In every fold the features are
standardised on the training part, a SOM is trained on it, and each test sample is
predicted (a) by the estimator fitted on the whole training part and (b) by
:class:`torchsom.jitl.JITLEstimator`, which fits a clone of the same estimator on the
samples the map retrieves for it. Prints Markdown tables (mean ± standard deviation over
the folds). Takes well under a minute on 2 CPU cores.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from sklearn.datasets import load_diabetes, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from torchsom import SOM
from torchsom.jitl import JITLEstimator

THRESHOLDS = (30, 60, 120)


def _som(train: np.ndarray, side: int) -> SOM:
    som = SOM(side, side, train.shape[1], epochs=30, sigma=2.0, learning_rate=1.0,
              algorithm="batch", initialization_mode="pca", neighborhood_order=1,
              device="cpu", random_seed=0)
    data = torch.tensor(train, dtype=torch.float32)
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    return som


def _run(name, X, y, splitter, estimator, side, metrics):
    scores: dict[str, list[list[float]]] = {}
    for train_idx, test_idx in splitter.split(X, y):
        scaler = StandardScaler().fit(X[train_idx])
        X_train, X_test = scaler.transform(X[train_idx]), scaler.transform(X[test_idx])
        y_train, y_test = y[train_idx], y[test_idx]
        som = _som(X_train, side)
        rows = {"global": estimator.fit(X_train, y_train).predict(X_test)}
        for threshold in THRESHOLDS:
            jitl = JITLEstimator(som, estimator, min_buffer_threshold=threshold)
            rows[f"JITL, buffer >= {threshold}"] = jitl.fit(X_train, y_train).predict(X_test)
        for label, predicted in rows.items():
            scores.setdefault(label, []).append([m(y_test, predicted) for _, m in metrics])
    print(f"\n{name}: {type(estimator).__name__}, {X.shape[0]} samples, "
          f"{X.shape[1]} features, {side}x{side} SOM\n")
    print("| model | " + " | ".join(m for m, _ in metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for label, values in scores.items():
        arr = np.asarray(values)
        cells = [f"{mu:.3f} ± {sd:.3f}" for mu, sd in zip(arr.mean(0), arr.std(0))]
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    start = time.perf_counter()
    X, y = load_wine(return_X_y=True)
    _run("wine (classification)", X, y, StratifiedKFold(5, shuffle=True, random_state=0),
         LogisticRegression(max_iter=1000), 6,
         [("accuracy", accuracy_score),
          ("macro F1", lambda t, p: f1_score(t, p, average="macro"))])
    X, y = load_diabetes(return_X_y=True)
    _run("diabetes (regression)", X, y, KFold(5, shuffle=True, random_state=0),
         Ridge(alpha=1.0), 8,
         [("R²", r2_score), ("MAE", mean_absolute_error)])
    print(f"\ntotal time: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
