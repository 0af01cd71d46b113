"""Map plots on a borrowed Axes: each function draws one map and returns the Axes.

Every function takes ``ax=None`` (a new constrained-layout figure is made when it is
None), draws through the one cell painter (:func:`draw_map`), adds a colour bar and
returns the Axes. Maps are computed with the SOM's public :meth:`~torchsom.SOM.build_map`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, Normalize
from matplotlib.ticker import MaxNLocator

from torchsom.visualization._axes import (
    add_colorbar,
    categorical,
    grid_shape,
    map_figsize,
    new_axes,
)
from torchsom.visualization._cells import as_grid, draw_cells
from torchsom.visualization.config import VisualizationConfig

__all__ = [
    "draw_map",
    "draw_label_map",
    "plot_distance_map",
    "plot_hit_map",
    "plot_classification_map",
    "plot_metric_map",
    "plot_score_map",
    "plot_rank_map",
    "plot_component_plane",
]


def draw_map(
    values: Any,
    topology: str = "rectangular",
    *,
    ax: Axes | None = None,
    title: str | None = None,
    colorbar_label: str | None = None,
    cmap: str | Colormap | None = None,
    norm: Normalize | None = None,
    show_values: bool = False,
    value_format: str = ".2f",
    mask_zeros: bool = False,
    ticks: Any = None,
    tick_labels: Any = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """Draw any (x, y) map of values with a colour bar.

    Parameters
    ----------
    values : array-like
        Shape (x, y); NaN marks empty neurons (hatched, never a colour of the scale).
    topology : {"rectangular", "hexagonal"}
        Cell geometry.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    title, colorbar_label : str, optional
        Texts of the plot.
    cmap : str or Colormap, optional
        Defaults to ``config.cmap``.
    norm : Normalize, optional
        Colour scaling; the finite value range by default.
    show_values : bool, default=False
        Write values in the cells.
    value_format : str, default=".2f"
        Their format.
    mask_zeros : bool, default=False
        Treat zeros as empty neurons.
    ticks : sequence or matplotlib.ticker.Locator, optional
        Colour-bar ticks.
    tick_labels : sequence, optional
        Their labels.
    config : VisualizationConfig, optional
        Appearance.

    Returns
    -------
    matplotlib.axes.Axes
    """
    config = config or VisualizationConfig()
    grid = as_grid(values)
    ax = new_axes(ax, map_figsize(*grid.shape, topology, config))
    cells = draw_cells(ax, grid, topology, cmap=cmap, norm=norm, config=config,
                       show_values=show_values, value_format=value_format,
                       mask_zeros=mask_zeros)
    bar = add_colorbar(ax, cells, colorbar_label, config,
                       **({"ticks": ticks} if ticks is not None else {}))
    if tick_labels is not None:
        bar.set_ticklabels([str(t) for t in tick_labels])
    if title:
        # a title wider than the map reaches over the colour bar, whose top label sticks
        # out above the bar by half a line: keep the title clear of it
        ax.set_title(title, pad=10)
    return ax


def draw_label_map(
    labels: Any,
    topology: str = "rectangular",
    *,
    ax: Axes | None = None,
    title: str | None = None,
    colorbar_label: str | None = None,
    noise: float | None = None,
    noise_name: str = "noise",
    show_values: bool = False,
    config: VisualizationConfig | None = None,
) -> Axes:
    """Draw a categorical (x, y) map: one distinct colour per label, NaN empty.

    Every label, 0 included, gets a colour; the colour bar names each one. ``noise``
    (e.g. ``-1``) is drawn grey, first, and labelled ``noise_name``.
    """
    config = config or VisualizationConfig()
    grid = as_grid(labels)
    codes, cmap, norm, levels = categorical(grid, noise)
    names = [noise_name if noise is not None and level == float(noise) else _fmt(level)
             for level in levels]
    return draw_map(codes, topology, ax=ax, title=title, colorbar_label=colorbar_label,
                    cmap=cmap, norm=norm, ticks=list(range(len(levels))),
                    tick_labels=names, show_values=show_values, value_format=".0f",
                    config=config)


def _fmt(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else f"{level:g}"


def plot_distance_map(
    som: Any,
    *,
    ax: Axes | None = None,
    distance_metric: str | None = None,
    neighborhood_order: int | None = None,
    scaling: str = "sum",
    cmap: str | Colormap | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """The U-matrix: each neuron's distance to its grid neighbours (high = ridge).

    ``neighborhood_order`` defaults to the SOM's (0 or None both mean the default).
    """
    x, y, topology = grid_shape(som)
    order = neighborhood_order or som.neighborhood_order
    values = som.build_map("distance", distance_metric=distance_metric,
                           neighborhood_order=order, scaling=scaling)
    metric = distance_metric or som.distance_fn_name
    return draw_map(values, topology, ax=ax, cmap=cmap, config=config,
                    title=f"Distance Map (U-Matrix, order {order})",
                    colorbar_label=f"{metric} distance ({scaling}, scaled to [0, 1])")


def plot_hit_map(
    som: Any,
    data: Any,
    *,
    ax: Axes | None = None,
    batch_size: int = 1024,
    cmap: str | Colormap | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """Samples won by each neuron; neurons that won none are drawn as empty."""
    _, _, topology = grid_shape(som)
    hits = as_grid(som.build_map("hit", data=data, batch_size=batch_size))
    hits[hits == 0] = np.nan
    return draw_map(hits, topology, ax=ax, cmap=cmap, config=config, title="Hit Map",
                    colorbar_label="Number of samples", ticks=MaxNLocator(integer=True))


def plot_classification_map(
    som: Any,
    bmus_data_map: Any,
    data: Any,
    target: Any,
    *,
    ax: Axes | None = None,
    neighborhood_order: int | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """The majority class of each neuron, one colour per class (class 0 included)."""
    _, _, topology = grid_shape(som)
    order = som.neighborhood_order if neighborhood_order is None else neighborhood_order
    labels = som.build_map("classification", data=data,
                           target=target, bmus_data_map=bmus_data_map,
                           neighborhood_order=order)
    return draw_label_map(labels, topology, ax=ax, config=config,
                          title="Classification Map (majority class)",
                          colorbar_label="Class")


def plot_metric_map(
    som: Any,
    bmus_data_map: Any,
    data: Any,
    target: Any,
    reduction_parameter: str = "mean",
    *,
    ax: Axes | None = None,
    cmap: str | Colormap | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """A statistic (``mean``, ``std``, …) of the target of each neuron's samples."""
    _, _, topology = grid_shape(som)
    values = som.build_map("metric", data=data,
                           target=target, bmus_data_map=bmus_data_map,
                           reduction_parameter=reduction_parameter)
    name = reduction_parameter.capitalize()
    return draw_map(values, topology, ax=ax, cmap=cmap, config=config,
                    title=f"{name} Target Map", colorbar_label=f"Target {reduction_parameter}")


def plot_score_map(
    som: Any,
    bmus_data_map: Any,
    target: Any,
    total_samples: int | None = None,
    *,
    ax: Axes | None = None,
    cmap: str | Colormap | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """The neuron score ``std / sqrt(n) · ln(N / n)`` (lower is better)."""
    _, _, topology = grid_shape(som)
    _check_total(total_samples, bmus_data_map)
    values = som.build_map("score", target=target, bmus_data_map=bmus_data_map,
                           **({} if total_samples is None else {"total_samples": total_samples}))
    return draw_map(values, topology, ax=ax, cmap=cmap, config=config, title="Score Map",
                    colorbar_label="Score (lower is better)")


def _check_total(total_samples: Any, bmus_data_map: Any) -> None:
    """``total_samples`` cannot be below the number of samples the map holds."""
    if not isinstance(total_samples, int) or isinstance(total_samples, bool) or \
            total_samples < 1 or not isinstance(bmus_data_map, Mapping):
        return  # build_map reports these
    held = sum(len(v) for v in bmus_data_map.values())
    if total_samples < held:
        raise ValueError(
            f"total_samples={total_samples} is smaller than the {held} samples held by "
            "bmus_data_map; pass the size of the data the map was built from."
        )


def plot_rank_map(
    som: Any,
    bmus_data_map: Any,
    target: Any,
    *,
    ax: Axes | None = None,
    cmap: str | Colormap | None = None,
    show_values: bool = True,
    config: VisualizationConfig | None = None,
) -> Axes:
    """Neurons ranked by the spread of their target (rank 1 = largest std)."""
    _, _, topology = grid_shape(som)
    values = som.build_map("rank", target=target, bmus_data_map=bmus_data_map)
    return draw_map(values, topology, ax=ax, cmap=cmap, config=config, title="Rank Map",
                    colorbar_label="Rank (1 = largest target std)",
                    show_values=show_values, value_format=".0f")


def plot_component_plane(
    som: Any,
    index: int,
    name: str | None = None,
    *,
    ax: Axes | None = None,
    cmap: str | Colormap | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """The weight of feature ``index`` at every neuron (row 0 on top, like every map).

    Without ``name`` the title is the feature's name from ``som.feature_names_in_`` (a
    map fitted on a DataFrame), else ``Component_<index + 1>``.
    """
    _, _, topology = grid_shape(som)
    weights = som.weights.detach()[..., index]
    return draw_map(weights, topology, ax=ax, cmap=cmap, config=config,
                    title=name or component_names(som)[index], colorbar_label="Weight value")


def component_names(som: Any) -> list[str]:
    """Feature names of ``som`` (``feature_names_in_``), else ``Component_1`` … ."""
    n_features = int(som.weights.shape[-1])
    names = getattr(som, "feature_names_in_", None)
    if names is not None and len(names) == n_features:
        return [str(name) for name in names]
    return [f"Component_{i + 1}" for i in range(n_features)]
