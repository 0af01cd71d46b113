"""A trained map with what the command line needs to use it on new data.

``torchsom fit`` saves, with the map (:func:`torchsom.io.save_som`'s ``metadata``):

* the feature names, in the order of the map's features;
* the scaler (:class:`~torchsom.cli.scaling.Scaler`);
* the neurons' clusters (k-means on the codebook, k chosen by the elbow);
* when trained with ``--target``, a value for every neuron: the majority class of the
  rows it won (``classes``) or their mean (``values``); neurons that won no row take
  the value of the nearest neuron that did (nearest in the data space);
* a few facts about the training data (file name, rows, dropped columns).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from torchsom.cli.errors import CLIError
from torchsom.cli.scaling import Scaler

__all__ = ["METADATA_KEY", "TargetModel", "FittedModel", "classify_target", "class_names",
           "read_info"]

#: key of the command line's entry in a map file's metadata
METADATA_KEY = "torchsom_cli"
_FORMAT = 1
#: a numeric target with at most this many distinct integer values is a set of classes
MAX_CLASSES = 20


def classify_target(values: np.ndarray) -> str:
    """``"classes"`` for text or few distinct integers, else ``"values"``."""
    if values.dtype == object:
        return "classes"
    distinct = np.unique(values)
    if distinct.size <= MAX_CLASSES and np.all(distinct == np.round(distinct)):
        return "classes"
    return "values"


def class_names(values: np.ndarray) -> np.ndarray:
    """Target values as class names: text as is, numbers as ``f"{v:g}"``."""
    if values.dtype == object:
        return values.astype(str)
    return np.array([f"{v:g}" for v in values], dtype=object)


@dataclass
class TargetModel:
    """A value for every neuron, learnt from the target column.

    Attributes
    ----------
    name : str
        The target column.
    kind : {"classes", "values"}
    classes : list of str
        Class names (``classes`` only), sorted.
    neuron_values : numpy.ndarray
        Shape (x·y,): class index or mean value of each neuron, every neuron filled.
    """

    name: str
    kind: str
    classes: list[str]
    neuron_values: np.ndarray

    @classmethod
    def fit(cls, name: str, target: np.ndarray, bmus: np.ndarray,
            codebook: np.ndarray, fill_empty: bool = True) -> TargetModel:
        """Learn the neuron values from ``target`` (n,) and the rows' BMUs ``bmus`` (n,).

        ``codebook`` has shape (x·y, n_features); with ``fill_empty`` neurons that won no
        row copy the nearest neuron that did, else they stay NaN.
        """
        kind = classify_target(target)
        n_neurons = codebook.shape[0]
        values = np.full(n_neurons, np.nan)
        classes: list[str] = []
        if kind == "classes":
            names = class_names(target)
            classes = sorted(set(names.tolist()))
            codes = np.searchsorted(np.array(classes, dtype=object), names)
            counts = np.zeros((n_neurons, len(classes)))
            np.add.at(counts, (bmus, codes), 1.0)
            won = counts.sum(axis=1) > 0
            values[won] = counts[won].argmax(axis=1)  # ties: the first class in order
        else:
            sums = np.bincount(bmus, weights=target.astype(np.float64), minlength=n_neurons)
            hits = np.bincount(bmus, minlength=n_neurons)
            won = hits > 0
            values[won] = sums[won] / hits[won]
        empty = np.flatnonzero(~won)
        if fill_empty and empty.size and won.any():
            donors = np.flatnonzero(won)
            gaps = ((codebook[empty, None, :] - codebook[None, donors, :]) ** 2).sum(axis=2)
            values[empty] = values[donors[gaps.argmin(axis=1)]]
        return cls(name, kind, classes, values)

    def predict(self, bmus: np.ndarray) -> np.ndarray:
        """The value of each row's BMU: class names (object array) or floats."""
        values = self.neuron_values[bmus]
        if self.kind == "classes":
            return np.array(self.classes, dtype=object)[values.astype(np.int64)]
        return values

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "classes": self.classes,
                "neuron_values": self.neuron_values.tolist()}

    @classmethod
    def from_dict(cls, stored: dict[str, Any], n_neurons: int) -> TargetModel:
        try:
            values = np.asarray(stored["neuron_values"], dtype=np.float64)
            model = cls(str(stored["name"]), str(stored["kind"]),
                        [str(c) for c in stored["classes"]], values)
        except (KeyError, TypeError, ValueError):
            raise CLIError("the model file's target settings are malformed.") from None
        if values.shape != (n_neurons,) or model.kind not in ("classes", "values"):
            raise CLIError("the model file's target settings do not fit its map.")
        return model


@dataclass
class FittedModel:
    """A trained map and what the command line saved with it.

    Attributes
    ----------
    som : torchsom.SOM
    feature_names : list of str
        Shape (num_features,).
    scaler : Scaler
    clusters : numpy.ndarray or None
        Shape (x·y,): 1-based cluster of each neuron.
    target : TargetModel or None
    training : dict
        ``data`` (file name), ``rows``, ``dropped`` …
    """

    som: Any
    feature_names: list[str]
    scaler: Scaler
    clusters: np.ndarray | None = None
    target: TargetModel | None = None
    training: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """What is stored in the map file."""
        return {METADATA_KEY: {
            "format": _FORMAT,
            "feature_names": list(self.feature_names),
            "scaler": self.scaler.to_dict(),
            "clusters": None if self.clusters is None else self.clusters.tolist(),
            "target": None if self.target is None else self.target.to_dict(),
            "training": self.training,
        }}

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the map and its metadata atomically."""
        from torchsom.io import save_som

        save_som(self.som, path, metadata=self.metadata())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FittedModel:
        """Load a map written by :meth:`save`.

        Raises
        ------
        CLIError
            If the file is missing, not a map file, or was not written by ``torchsom fit``.
        """
        from torchsom.core.som import SOM
        from torchsom.io import SOMFileError, load_som, read_metadata

        source = Path(path)
        if not source.is_file():
            raise CLIError(f"MODEL {str(source)!r}: no such file.")
        try:
            info = read_metadata(source)
            som = load_som(source, cls=SOM)
        except SOMFileError as exc:
            raise CLIError(str(exc)) from None
        stored = _cli_entry(source, info)
        n_neurons, n_features = som.x * som.y, som.num_features
        names = [str(n) for n in stored.get("feature_names") or []]
        if len(names) != n_features:
            raise CLIError(f"MODEL {str(source)!r}: it names {len(names)} features but its "
                           f"map has {n_features}.")
        clusters = stored.get("clusters")
        labels = None if clusters is None else np.asarray(clusters, dtype=np.int64)
        if labels is not None and labels.shape != (n_neurons,):
            raise CLIError(f"MODEL {str(source)!r}: its clusters do not fit its map.")
        target = stored.get("target")
        return cls(som, names, Scaler.from_dict(stored.get("scaler") or {}, n_features),
                   labels,
                   None if target is None else TargetModel.from_dict(target, n_neurons),
                   dict(stored.get("training") or {}))


def _cli_entry(source: Path, info: dict[str, Any]) -> dict[str, Any]:
    stored = info.get("metadata", {}).get(METADATA_KEY)
    if not isinstance(stored, dict):
        raise CLIError(
            f"MODEL {str(source)!r} was not written by 'torchsom fit' (it has no feature "
            "names or scaler); train it with 'torchsom fit', or save your own map with "
            "torchsom.cli.model_file.FittedModel."
        )
    return stored


def read_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Settings, history, feature names … of a model file, without building the map.

    Raises
    ------
    CLIError
        If the file is missing or not a map file.
    """
    from torchsom.io import SOMFileError, read_metadata

    source = Path(path)
    if not source.is_file():
        raise CLIError(f"MODEL {str(source)!r}: no such file.")
    try:
        info = read_metadata(source)
    except SOMFileError as exc:
        raise CLIError(str(exc)) from None
    info["cli"] = info.get("metadata", {}).get(METADATA_KEY)
    return info
