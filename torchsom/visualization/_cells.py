"""The one cell painter: one value per neuron, drawn on any topology.

Rectangular and hexagonal maps differ only in the cell polygon:

* rectangular: unit squares centred on ``(col, row)``;
* hexagonal: pointy-top regular hexagons of circumradius ``config.hex_radius`` (default
  ``1/sqrt(3)``, which tiles exactly) centred on the odd-r positions of
  :func:`torchsom.topology.display_positions`.

Row 0 is drawn at the top on every map. NaN values mark *empty* neurons: they are drawn
in ``config.empty_color`` under a hatch, so they never look like a value; zeros are
ordinary values with their own colour.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import Colormap, Normalize
from matplotlib.patches import Patch
from matplotlib.transforms import ScaledTranslation

from torchsom.topology.coordinates import display_positions
from torchsom.visualization._checks import as_numeric
from torchsom.visualization._style import contrast_text_color, get_cmap
from torchsom.visualization.config import VisualizationConfig

__all__ = [
    "AXIS_LABELS",
    "EMPTY_LABEL",
    "cell_centres",
    "cell_polygon",
    "cell_vertices",
    "draw_cells",
    "as_grid",
]

#: (x label, y label) of every map
AXIS_LABELS = ("Neuron Column Index", "Neuron Row Index")
#: legend text of empty neurons
EMPTY_LABEL = "no samples"
_HATCH_COLOR = "#9a9a9a"


def as_grid(values: Any, name: str = "map") -> np.ndarray:
    """A 2-D float64 NumPy copy of a (x, y) tensor or array.

    Raises
    ------
    TypeError
        For non-numeric values (the message names ``name``).
    ValueError
        For any other shape.
    """
    array = as_numeric(values, name).copy()
    if array.ndim != 2:
        raise ValueError(f"a map must have shape (x, y); got shape {array.shape}.")
    return array


def cell_centres(x: int, y: int, topology: str) -> np.ndarray:
    """Centres ``(horizontal, vertical)`` of the cells, shape (x·y, 2), row-major."""
    horizontal, vertical = display_positions(x, y, topology)
    return np.stack((horizontal.numpy().ravel(), vertical.numpy().ravel()), axis=1)


def cell_polygon(topology: str, hex_radius: float = 1.0 / math.sqrt(3.0)) -> np.ndarray:
    """Vertex offsets of one cell around its centre: (4, 2) squares or (6, 2) hexagons."""
    if topology == "hexagonal":
        angles = np.deg2rad(90.0 + 60.0 * np.arange(6))  # pointy-top
        return hex_radius * np.stack((np.cos(angles), np.sin(angles)), axis=1)
    return np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])


def cell_vertices(x: int, y: int, topology: str,
                  hex_radius: float = 1.0 / math.sqrt(3.0)) -> np.ndarray:
    """Polygons of all cells, shape (x·y, n_vertices, 2)."""
    return cell_centres(x, y, topology)[:, None, :] + cell_polygon(topology, hex_radius)[None]


def _tick_step(n: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        if n / step <= 12:
            return step
    return 1000


def _default_norm(values: np.ndarray) -> Normalize:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Normalize(0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    return Normalize(low, high)


def _set_axes(ax: Axes, x: int, y: int, topology: str, vertices: np.ndarray,
              decorate: bool = True) -> None:
    low = vertices.reshape(-1, 2).min(axis=0) - 0.1
    high = vertices.reshape(-1, 2).max(axis=0) + 0.1
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(high[1], low[1])  # row 0 on top
    ax.set_aspect("equal")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if not decorate:
        ax.set_xticks([])
        ax.set_yticks([])
        return
    row_scale = math.sqrt(3.0) / 2.0 if topology == "hexagonal" else 1.0
    cols = np.arange(0, y, _tick_step(y))
    rows = np.arange(0, x, _tick_step(x))
    ax.set_xticks(cols, [str(c) for c in cols])
    ax.set_yticks(rows * row_scale, [str(r) for r in rows])
    ax.set_xlabel(AXIS_LABELS[0])
    ax.set_ylabel(AXIS_LABELS[1])
    ax.tick_params(length=3)


def _empty_legend(ax: Axes, config: VisualizationConfig) -> None:
    handle = Patch(facecolor=config.empty_color, edgecolor=_HATCH_COLOR,
                   hatch=config.empty_hatch, label=EMPTY_LABEL)
    # below the x label, whatever the axes size: anchor at the axes bottom, shifted down
    # by about three lines of text
    shift = ScaledTranslation(0, -3.2 * 11 / 72, ax.figure.dpi_scale_trans)
    ax.legend(handles=[handle], loc="upper left", bbox_to_anchor=(0.0, 0.0),
              bbox_transform=ax.transAxes + shift, frameon=False, borderaxespad=0.0,
              handlelength=1.6)


def draw_cells(
    ax: Axes,
    values: Any,
    topology: str = "rectangular",
    *,
    cmap: str | Colormap | None = None,
    norm: Normalize | None = None,
    config: VisualizationConfig | None = None,
    show_values: bool = False,
    value_format: str = ".2f",
    mask_zeros: bool = False,
    empty_legend: bool = True,
    decorate: bool = True,
) -> PolyCollection:
    """Paint one value per neuron on ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; its limits, aspect, ticks and labels are set.
    values : array-like
        Shape (x, y); NaN marks an empty neuron.
    topology : {"rectangular", "hexagonal"}
        Cell shape and positions.
    cmap : str or Colormap, optional
        Defaults to ``config.cmap``.
    norm : matplotlib.colors.Normalize, optional
        Defaults to the range of the finite values.
    config : VisualizationConfig, optional
        Cell edges, empty-cell style, hexagon radius.
    show_values : bool, default=False
        Write each finite value in its cell (black or white for contrast).
    value_format : str, default=".2f"
        Format of the written values.
    mask_zeros : bool, default=False
        Treat exact zeros as empty neurons (off by default: zeros are values).
    empty_legend : bool, default=True
        Explain the empty-neuron style in a legend below the axes when there are any.
    decorate : bool, default=True
        Set row and column ticks and axis labels; False leaves the axes bare (small
        panels that label themselves).

    Returns
    -------
    matplotlib.collections.PolyCollection
        The cells (``gid="cells"``), x·y polygons in row-major neuron order, holding the
        values as a masked array (empty neurons masked). When some neurons are empty a
        second collection with ``gid="empty-cells"`` hatches them.
    """
    config = config or VisualizationConfig()
    grid = as_grid(values)
    if mask_zeros:
        grid = np.where(grid == 0, np.nan, grid)
    x, y = grid.shape
    vertices = cell_vertices(x, y, topology, config.hex_radius)
    flat = np.ma.masked_invalid(grid.ravel())
    colormap = get_cmap(cmap, config.cmap).with_extremes(bad=config.empty_color)
    cells = PolyCollection(
        vertices, array=flat, cmap=colormap, norm=norm or _default_norm(grid),
        edgecolors=config.hex_border_color, linewidths=config.hex_border_width,
    )
    cells.set_gid("cells")
    ax.add_collection(cells)
    empty = np.ma.getmaskarray(flat)
    if empty.any():
        hatch = PolyCollection(vertices[empty], facecolors="none", edgecolors=_HATCH_COLOR,
                               linewidths=0.0, hatch=config.empty_hatch)
        hatch.set_gid("empty-cells")
        ax.add_collection(hatch)
        if empty_legend:
            _empty_legend(ax, config)
    _set_axes(ax, x, y, topology, vertices, decorate)
    if show_values:
        centres = cell_centres(x, y, topology)
        colors = cells.to_rgba(flat)
        size = 7 if max(x, y) > 15 else 9
        for k in np.flatnonzero(~empty):
            ax.text(centres[k, 0], centres[k, 1], format(float(flat[k]), value_format),
                    ha="center", va="center", fontsize=size,
                    color=contrast_text_color(colors[k]))
    return cells
