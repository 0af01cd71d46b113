"""Imputation by a SOM trained with missing values, against three standard imputers.

Run from the repository root (``make docs-missing``)::

    .venv/bin/python docs/scripts/missing_values_comparison.py [--seeds 5]

For ``load_wine`` (178×13) and ``load_diabetes`` (442×10): remove 10 %, 30 % and 50 % of
the values completely at random (a row left with no value keeps one, chosen at random),
standardise each feature with the mean and standard deviation of its observed values,
fill the holes with

* the feature mean (``SimpleImputer``),
* ``KNNImputer`` (5 neighbours),
* ``IterativeImputer`` (scikit-learn's defaults: Bayesian ridge, 10 rounds),
* a SOM trained on the data with its holes (``missing_values="ignore"``) with the batch
  rule and with the online rule, then ``som.impute``,

and score the root-mean-square error over the removed values, in standard deviations of
each feature (1.0 is what a constant guess at the true mean would score). Prints a
Markdown table: mean ± standard deviation over the seeds, and the time per fit.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_diabetes, load_wine
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

from torchsom import SOM

RATES = (0.1, 0.3, 0.5)
DATASETS = {"wine": load_wine, "diabetes": load_diabetes}


def remove_at_random(data: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``data`` with a share ``rate`` of its entries set to NaN; no empty row."""
    holes = rng.random(data.shape) < rate
    for row in np.flatnonzero(holes.all(axis=1)):
        holes[row, rng.integers(data.shape[1])] = False
    out = data.astype(np.float64)
    out[holes] = np.nan
    return out


def map_sides(n_samples: int) -> tuple[int, int]:
    """About 5·√n units on a square grid."""
    side = max(2, round(math.sqrt(5.0 * math.sqrt(n_samples))))
    return side, side


def som_imputer(algorithm: str, seed: int):
    def impute(holed: np.ndarray) -> np.ndarray:
        x, y = map_sides(holed.shape[0])
        settings = dict(x=x, y=y, num_features=holed.shape[1], sigma=max(x, y) / 2.0,
                        missing_values="ignore", max_missing_fraction=1.0, device="cpu",
                        random_seed=seed, algorithm=algorithm)
        if algorithm == "batch":
            settings.update(epochs=30, learning_rate=1.0)
        else:
            settings.update(epochs=20, learning_rate=0.5)
        som = SOM(**settings)
        data = torch.tensor(holed, dtype=torch.float32)
        som.initialize_weights(data, mode="pca")
        som.fit(data, verbose=False)
        return som.impute(holed.astype(np.float32)).astype(np.float64)

    return impute


def methods(seed: int) -> dict:
    return {
        "mean": lambda d: SimpleImputer(strategy="mean").fit_transform(d),
        "KNNImputer (k=5)": lambda d: KNNImputer(n_neighbors=5).fit_transform(d),
        "IterativeImputer": lambda d: IterativeImputer(random_state=seed).fit_transform(d),
        "SOM, batch rule": som_imputer("batch", seed),
        "SOM, online rule": som_imputer("online", seed),
    }


def run(seeds: int) -> dict:
    results: dict = {}
    for name, loader in DATASETS.items():
        data = loader().data.astype(np.float64)
        for rate in RATES:
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                holed = remove_at_random(data, rate, rng)
                mean, std = np.nanmean(holed, axis=0), np.nanstd(holed, axis=0)
                std[std == 0] = 1.0
                holed = (holed - mean) / std
                truth = (data - mean) / std
                missing = np.isnan(holed)
                for method, impute in methods(seed).items():
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # IterativeImputer convergence notes
                        filled = impute(holed)
                    elapsed = time.perf_counter() - start
                    rmse = float(np.sqrt(np.mean((filled[missing] - truth[missing]) ** 2)))
                    entry = results.setdefault((name, rate, method), {"rmse": [], "s": []})
                    entry["rmse"].append(rmse)
                    entry["s"].append(elapsed)
    return results


def report(results: dict, seeds: int) -> str:
    names = list(methods(0))
    lines = [f"RMSE over the removed values, in standard deviations (mean ± sd over {seeds} "
             "seeds); time per fit in seconds.", ""]
    lines.append("| data | removed | " + " | ".join(names) + " |")
    lines.append("|---|---|" + "---|" * len(names))
    for name in DATASETS:
        for rate in RATES:
            cells = []
            best = min(np.mean(results[(name, rate, m)]["rmse"]) for m in names)
            for method in names:
                rmse = np.array(results[(name, rate, method)]["rmse"])
                text = f"{rmse.mean():.3f} ± {rmse.std():.3f}"
                cells.append(f"**{text}**" if rmse.mean() == best else text)
            lines.append(f"| {name} | {int(rate * 100)} % | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| time per fit (s) | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for name in DATASETS:
        cells = [f"{np.median([t for rate in RATES for t in results[(name, rate, m)]['s']]):.2f}"
                 for m in names]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(report(run(args.seeds), args.seeds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
