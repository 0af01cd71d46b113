"""The supervised maps and SOM features against common scikit-learn models.

Run from the repository root (``make sklearn-comparison``)::

    .venv/bin/python docs/scripts/sklearn_comparison.py

Datasets bundled with scikit-learn: wine, breast cancer and digits (classification,
accuracy) and diabetes (regression, R²). Five-fold cross-validation, shuffled with seed 0
(stratified for classification). Every model is a pipeline that standardises the
features on the training part first. Reported per model: the mean ± standard deviation
of the test score over the folds, and the mean time to fit one fold and to predict its
test part (``cross_validate``'s ``fit_time`` and ``score_time``), on the CPU, in one
process with one thread per library (torch, BLAS, OpenMP). Prints Markdown tables and
the CPU model; takes about two minutes on 2 CPU cores.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import time

import numpy as np
import sklearn
import torch
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from torchsom.sklearn import SOMClassifier, SOMRegressor, SOMTransformer

SEED = 0


def cpu_model() -> str:
    """The "Model name" line of ``lscpu`` (the processor name elsewhere)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.strip().startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def rule_side(n_train: int) -> int:
    """Side of a square map with about 5·√n neurons (a common rule of thumb)."""
    return max(2, round(math.sqrt(5 * math.sqrt(n_train))))


def _som_features(linear: object, encoding: str, **som: object) -> object:
    """SOM features, standardised (activations are small numbers), then a linear model."""
    return make_pipeline(SOMTransformer(encoding=encoding, **som), StandardScaler(), linear)


def models(task: str, n_train: int) -> dict[str, object]:
    som = dict(random_state=SEED, device="cpu")
    side = rule_side(n_train)
    if task == "classification":
        supervised, linear, name = SOMClassifier, LogisticRegression(max_iter=2000), "logistic"
        table = {
            "k-nearest neighbours (k=5)": KNeighborsClassifier(),
            "logistic regression (raw features)": linear,
            "random forest (200 trees)": RandomForestClassifier(200, random_state=SEED),
        }
    else:
        supervised, linear, name = SOMRegressor, Ridge(), "ridge"
        table = {
            "k-nearest neighbours (k=5)": KNeighborsRegressor(),
            "ridge regression (raw features)": linear,
            "random forest (200 trees)": RandomForestRegressor(200, random_state=SEED),
        }
    kind = supervised.__name__
    grid = dict(x=8, y=8, **som)
    table[f"{kind} (8×8, xyf)"] = supervised(**grid)
    table[f"{kind} (8×8, two_stage)"] = supervised(method="two_stage", **grid)
    if side != 8:
        table[f"{kind} ({side}×{side}, xyf)"] = supervised(x=side, y=side, **som)
    table[f"SOMTransformer (8×8, activation) + {name}"] = _som_features(
        clone(linear), "activation", **grid)
    table[f"SOMTransformer (8×8, distance) + {name}"] = _som_features(
        clone(linear), "distance", **grid)
    table[f"raw features + SOMTransformer (8×8, activation) + {name}"] = make_pipeline(
        make_union(FunctionTransformer(),
                   make_pipeline(SOMTransformer(encoding="activation", **grid),
                                 StandardScaler())),
        clone(linear))
    return table


def run(name: str, loader, task: str) -> None:
    X, y = loader(return_X_y=True)
    if task == "classification":
        splitter = StratifiedKFold(5, shuffle=True, random_state=SEED)
        metric = "accuracy"
    else:
        splitter = KFold(5, shuffle=True, random_state=SEED)
        metric = "R²"
    n_train = X.shape[0] - X.shape[0] // 5
    print(f"\n**{name}** ({task}, {X.shape[0]} samples, {X.shape[1]} features"
          + (f", {len(np.unique(y))} classes" if task == "classification" else "") + ")\n")
    print(f"| model | {metric} | fit (s) | predict (s) |")
    print("|---|---|---|---|")
    for label, model in models(task, n_train).items():
        result = cross_validate(make_pipeline(StandardScaler(), model), X, y, cv=splitter)
        scores = result["test_score"]
        print(f"| {label} | {scores.mean():.3f} ± {scores.std():.3f} | "
              f"{result['fit_time'].mean():.3f} | {result['score_time'].mean():.3f} |",
              flush=True)


def main() -> None:
    start = time.perf_counter()
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs); torch {torch.__version__}, "
          f"scikit-learn {sklearn.__version__}; one thread per library")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        # one BLAS / OpenMP thread everywhere: on a small shared machine competing thread
        # pools made single fits up to 30x slower and the timings meaningless
        with threadpool_limits(1):
            run("wine", load_wine, "classification")
            run("breast cancer", load_breast_cancer, "classification")
            run("digits", load_digits, "classification")
            run("diabetes", load_diabetes, "regression")
    finally:
        torch.set_num_threads(threads)
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
