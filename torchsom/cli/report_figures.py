"""The figures of the HTML report, each rendered to PNG bytes (no pyplot involved)."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from torchsom.cli.model_file import FittedModel, TargetModel
from torchsom.visualization import clustering as cplots
from torchsom.visualization import maps as mplots
from torchsom.visualization._axes import categorical, map_figsize
from torchsom.visualization._style import style_context
from torchsom.visualization.config import VisualizationConfig
from torchsom.visualization.planes import draw_component_planes
from torchsom.visualization.training import plot_training_errors

__all__ = ["ReportFigure", "ReportInputs", "report_figures"]


@dataclass
class ReportFigure:
    """One figure of the report: section, title, caption, PNG bytes and pixel size."""

    key: str
    title: str
    caption: str
    png: bytes
    size: tuple[int, int]


@dataclass
class ReportInputs:
    """What the figures are drawn from.

    Attributes
    ----------
    model : FittedModel
    raw, scaled : numpy.ndarray
        The report's rows, shape (n_rows, num_features), in data units and scaled.
    bmus : numpy.ndarray
        Shape (n_rows,): flat BMU of each row.
    target : numpy.ndarray, optional
        Shape (n_rows,): the target column, if the report has one.
    target_name : str, optional
    """

    model: FittedModel
    raw: np.ndarray
    scaled: np.ndarray
    bmus: np.ndarray
    target: np.ndarray | None = None
    target_name: str | None = None


def _render(figsize: tuple[float, float], draw: Callable[[Figure], Any],
            config: VisualizationConfig, constrained: bool = True) -> tuple[bytes, tuple[int, int]]:
    with style_context(config):
        fig = Figure(figsize=figsize, layout="constrained" if constrained else None)
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=config.dpi, facecolor="white")
    png = buffer.getvalue()
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    return png, (width, height)


def _panel_config(config: VisualizationConfig) -> VisualizationConfig:
    """``config`` for figures shown half the page wide: smaller page, smaller fonts."""
    return replace(config, figsize=(6.4, 4.8), fontsize={"title": 13, "axis": 11,
                                                         "legend": 10})


def _target_map(inputs: ReportInputs, fig: Figure, config: VisualizationConfig) -> None:
    som = inputs.model.som
    codebook = som.weights.detach().reshape(som.x * som.y, -1).cpu().numpy()
    name = str(inputs.target_name)
    learnt = TargetModel.fit(name, np.asarray(inputs.target), inputs.bmus, codebook,
                             fill_empty=False)
    grid = learnt.neuron_values.reshape(som.x, som.y)
    ax = fig.add_subplot()
    if learnt.kind == "classes":
        codes, cmap, norm, levels = categorical(grid)
        mplots.draw_map(codes, som.topology, ax=ax, cmap=cmap, norm=norm,
                        ticks=list(range(len(levels))),
                        tick_labels=[learnt.classes[int(v)] for v in levels],
                        title=f"Majority {name} of each neuron", colorbar_label=name,
                        config=config)
    else:
        mplots.draw_map(grid, som.topology, ax=ax, title=f"Mean {name} of each neuron",
                        colorbar_label=name, config=config)


def report_figures(inputs: ReportInputs, config: VisualizationConfig) -> Iterator[ReportFigure]:
    """The report's figures, in page order (a generator: one figure at a time in memory)."""
    model = inputs.model
    som = model.som
    topology = som.topology
    wide = config
    config = _panel_config(config)  # maps and charts sit two to a row on the page
    single = map_figsize(som.x, som.y, topology, config)
    data = torch.as_tensor(inputs.scaled, dtype=som.weights.dtype)

    def figure(key: str, title: str, caption: str, size: tuple[float, float],
               draw: Callable[[Figure], Any], style: VisualizationConfig | None = None,
               constrained: bool = True) -> ReportFigure:
        png, pixels = _render(size, draw, style or config, constrained)
        return ReportFigure(key, title, caption, png, pixels)

    if som.quantization_errors_:
        yield figure(
            "training", "Training curves",
            "Quantization error (mean distance of a row to its best-matching neuron) and "
            "topographic error (share of rows whose two best neurons are not neighbours), "
            "per epoch, as measured during training.",
            (wide.figsize[0], wide.figsize[1] * 0.7),
            lambda fig: plot_training_errors(som.quantization_errors_,
                                             som.topographic_errors_,
                                             ax=fig.subplots(2, 1, sharex=True),
                                             config=wide), wide)
    yield figure(
        "umatrix", "U-matrix",
        "Distance of each neuron to its neighbours: bright ridges separate groups of "
        "similar rows.", single,
        lambda fig: mplots.plot_distance_map(som, ax=fig.add_subplot(), config=config))
    yield figure(
        "hits", "Hit map",
        "Number of rows won by each neuron; hatched neurons won none.", single,
        lambda fig: mplots.plot_hit_map(som, data, ax=fig.add_subplot(), config=config))
    if inputs.target is not None:
        yield figure(
            "target", f"Target: {inputs.target_name}",
            "The majority class (or the mean value) of the rows each neuron won; hatched "
            "neurons won none.", single,
            lambda fig: _target_map(inputs, fig, config))
    planes = model.scaler.inverse_transform(som.weights.detach().cpu().double().numpy())
    yield figure(
        "planes", "Component planes",
        "One panel per feature: the value each neuron stands for, in the data's units. "
        "Features whose panels look alike are correlated.", wide.figsize,
        lambda fig: draw_component_planes(fig, planes, model.feature_names, topology,
                                          config=wide, title=None,
                                          value_label="value in data units"),
        wide, constrained=False)
    if model.clusters is None:
        return
    result = {"labels": torch.as_tensor(model.clusters), "method": "kmeans",
              "feature_space": "weights",
              "original_data": som.weights.detach().reshape(som.x * som.y, -1).cpu()}
    if som.x * som.y >= 3:
        from torchsom.visualization import SOMVisualizer

        elbow = SOMVisualizer(som, config).elbow_analysis()
        yield figure(
            "elbow", "Number of clusters",
            "K-means inertia of the neurons for each k; the elbow (marked) is the number "
            "of clusters used below.",
            config.figsize,
            lambda fig: cplots.plot_elbow(elbow["k_values"], elbow["inertia"],
                                          elbow["elbow"], ax=fig.add_subplot(),
                                          config=config))
    yield figure(
        "clusters", "Cluster map", "The cluster of each neuron (k-means on the codebook).",
        single, lambda fig: cplots.plot_cluster_map(som, result, ax=fig.add_subplot(),
                                                    config=config))
    if len(np.unique(model.clusters)) > 1:
        yield figure(
            "silhouette", "Silhouette",
            "How well each neuron sits in its cluster (1: well inside, 0: on a border, "
            "below 0: closer to another cluster).",
            config.figsize,
            lambda fig: cplots.plot_silhouette(result, ax=fig.add_subplot(), config=config))
