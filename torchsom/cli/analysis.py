"""What the command line computes from a model and data: per-row results and summaries."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import torch

from torchsom.cli.errors import CLIError, atomic_file
from torchsom.cli.model_file import FittedModel

__all__ = ["best_units", "neuron_clusters", "row_results", "write_rows", "cluster_table",
           "quality_measures", "model_features"]

_CHUNK = 4096


def model_features(model: FittedModel, table: Any) -> tuple[np.ndarray, np.ndarray]:
    """The model's features read from ``table``, raw and scaled.

    Returns
    -------
    raw, scaled : numpy.ndarray
        Shape (n_rows, num_features), float64.

    Raises
    ------
    CLIError
        If ``table`` lacks a feature of the model (named in the message).
    """
    from torchsom.cli.tables import feature_matrix

    missing = [name for name in model.feature_names if name not in table.data]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5]) + (" …" if len(missing) > 5 else "")
        raise CLIError(
            f"DATA {str(table.path)!r} does not fit the model: it lacks {len(missing)} of "
            f"the model's {len(model.feature_names)} feature column(s) ({shown}); the model "
            f"was trained on {', '.join(model.feature_names[:10])}"
            f"{' …' if len(model.feature_names) > 10 else ''}."
        )
    raw, _ = feature_matrix(table, columns=model.feature_names)
    return raw, model.scaler.transform(raw)


def best_units(som: Any, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's best-matching unit (flat index) and its distance, in the map's metric.

    Works through the rows in chunks, so memory stays at chunk × neurons.

    Returns
    -------
    bmus : numpy.ndarray
        Shape (n_rows,), int64, flat row-major neuron index.
    distances : numpy.ndarray
        Shape (n_rows,), float64.
    """
    weights = som.weights.detach()
    bmus, distances = [], []
    for start in range(0, data.shape[0], _CHUNK):
        chunk = torch.as_tensor(data[start:start + _CHUNK], dtype=weights.dtype,
                                device=weights.device)
        dist = som.distance_fn(chunk, weights).reshape(chunk.shape[0], -1)
        best, index = dist.min(dim=1)
        bmus.append(index.cpu().numpy())
        distances.append(best.double().cpu().numpy())
    return np.concatenate(bmus).astype(np.int64), np.concatenate(distances)


def neuron_clusters(som: Any) -> np.ndarray | None:
    """1-based k-means cluster of every neuron (k by the elbow), None on tiny maps."""
    if som.x * som.y < 4:
        return None
    result = som.cluster(method="kmeans", feature_space="weights")
    return result["labels"].cpu().numpy().astype(np.int64)


def row_results(model: FittedModel, scaled: np.ndarray,
                target: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-row columns: ``row``, ``bmu_row``, ``bmu_col``, ``distance``, ``cluster``,
    then ``prediction`` when the model has a target and the given ``target`` (named after
    the column) when there is one."""
    bmus, distances = best_units(model.som, scaled)
    columns: dict[str, np.ndarray] = {
        "row": np.arange(scaled.shape[0]),
        "bmu_row": bmus // model.som.y,
        "bmu_col": bmus % model.som.y,
        "distance": distances,
    }
    if model.clusters is not None:
        columns["cluster"] = model.clusters[bmus]
    if model.target is not None:
        columns["prediction"] = model.target.predict(bmus)
    if target is not None and model.target is not None:
        columns[model.target.name] = target
    return columns


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)


def write_rows(path: Path | None, columns: dict[str, np.ndarray]) -> None:
    """Write ``columns`` as CSV to ``path`` (atomically), or to stdout when None."""
    import sys

    names = list(columns)
    rows = zip(*(columns[n] for n in names))
    if path is None:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_cell(v) for v in row] for row in rows)
        return
    with atomic_file(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_cell(v) for v in row] for row in rows)


def cluster_table(model: FittedModel, raw: np.ndarray, bmus: np.ndarray) -> list[dict[str, Any]]:
    """One row per cluster: neurons, rows, share of rows, mean silhouette of its neurons
    (on the codebook) and the mean of each feature over its rows, in the data's units.

    Clusters that won no row have NaN feature means.
    """
    from torchsom.clustering import silhouette_samples

    if model.clusters is None:
        return []
    labels = model.clusters
    codebook = model.som.weights.detach().reshape(-1, model.som.num_features).cpu()
    distinct = np.unique(labels)
    silhouettes = silhouette_samples(codebook, torch.as_tensor(labels)).numpy() \
        if distinct.size > 1 else np.zeros(labels.shape)
    row_clusters = labels[bmus]
    table = []
    for label in distinct:
        mine = row_clusters == label
        means = raw[mine].mean(axis=0) if mine.any() else np.full(raw.shape[1], np.nan)
        table.append({
            "cluster": int(label),
            "neurons": int((labels == label).sum()),
            "rows": int(mine.sum()),
            "share": float(mine.mean()) if mine.size else 0.0,
            "silhouette": float(silhouettes[labels == label].mean()),
            "means": dict(zip(model.feature_names, means.tolist())),
        })
    return table


def quality_measures(som: Any, scaled: np.ndarray) -> dict[str, float]:
    """Quality measures of the map on ``scaled`` data, display name → value.

    Every measure of :meth:`torchsom.SOM.evaluate` (the topographic error in percent);
    only the quantization error for a one-neuron map or fewer than 3 rows.
    """
    data = torch.as_tensor(scaled, dtype=som.weights.dtype)
    if som.x * som.y < 2 or data.shape[0] < 3:
        return {"quantization error": som.quantization_error(data)}
    report = som.evaluate(data, k=min(5, data.shape[0] - 2))
    measures = {}
    for name, value in report.items():
        if name == "topographic_error":
            measures["topographic error (%)"] = 100.0 * float(value)
        else:
            measures[name.replace("_", " ")] = float(value)
    return measures
