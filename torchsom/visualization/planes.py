"""Component planes of many features on one page, readable from 2 to 64 features and more.

:func:`draw_component_planes` lays the planes out on a grid computed in inches, so that
every text keeps its place whatever the number of features:

* the number of columns is the one that gives the largest maps on the page
  (``config.figsize``); when the maps would get smaller than about one inch the page
  grows downwards instead;
* the small panels carry no axis labels: a subtitle says how rows and columns run, and
  the panels show only their first and last row and column index (none when they are
  small);
* titles are shrunk to the panel and wrapped on ``_``, ``/``, ``-`` and spaces (two
  lines at most, shortened with "…" beyond);
* each panel gets its own slim colour bar, or one colour bar serves all panels when
  every plane spans most of the common range (``shared_scale=None`` decides so).

Text sizes are measured with matplotlib's Agg text engine, not guessed, so titles, tick labels
and colour-bar labels never run into each other. The layout is computed in
:mod:`torchsom.visualization._plane_layout`; this module draws it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure

from torchsom.visualization._cells import cell_vertices, draw_cells
from torchsom.visualization._checks import as_numeric, check_names
from torchsom.visualization._plane_layout import (
    BAR_GAP,
    MARGIN,
    VGAP,
    PlaneLayout,
    plane_layout,
    text_width,
    wrap_title,
)
from torchsom.visualization.config import VisualizationConfig

__all__ = ["draw_component_planes", "planes_share_scale", "wrap_title"]

#: a shared colour bar is used when every plane spans this share of the common range
SHARED_SPAN = 0.8


def planes_share_scale(planes: np.ndarray) -> bool:
    """True when every plane spans at least 80 % of the range common to all of them.

    Parameters
    ----------
    planes : numpy.ndarray
        Shape (x, y, n_planes).
    """
    low = np.nanmin(planes, axis=(0, 1))
    high = np.nanmax(planes, axis=(0, 1))
    common = float(np.nanmax(high) - np.nanmin(low))
    if not math.isfinite(common) or common <= 0:
        return True
    return bool(np.all(high - low >= SHARED_SPAN * common))


def _bar_ticks(low: float, high: float, middle: bool = True) -> list[float]:
    """Colour-bar ticks: the ends of the range, and its middle on tall bars."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    return [low, (low + high) / 2.0, high] if middle else [low, high]


def _fmt(value: float, span: float = 0.0) -> str:
    """Three significant digits; whole numbers below a million without an exponent;
    values below a thousandth of ``span`` (the bar's range) as 0."""
    if abs(value) < 1e-3 * span:
        value = 0.0
    text = f"{value:.3g}"
    if "e+" in text and abs(value) < 1e6:
        text = f"{round(value, -len(str(int(abs(value)))) + 3):.0f}"
    return "0" if text in ("-0", "0") else text


def draw_component_planes(
    fig: Figure,
    planes: Any,
    names: Sequence[str] | None = None,
    topology: str = "rectangular",
    *,
    config: VisualizationConfig | None = None,
    shared_scale: bool | None = None,
    cmap: str | Colormap | None = None,
    title: str | None = "Component planes",
    value_label: str = "weight",
) -> list[Axes]:
    """Draw one plane per feature on ``fig``, resizing it to the layout.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure; its layout engine is turned off and its size set here (the width
        is ``config.figsize[0]`` at most, the height what the grid needs).
    planes : array-like
        Shape (x, y, n_features): the codebook, or any per-neuron values (e.g. the
        codebook in the data's original units).
    names : sequence of str, optional
        One title per plane; ``Component_1`` … by default.
    topology : {"rectangular", "hexagonal"}
        Cell geometry.
    config : VisualizationConfig, optional
        Page size, colormap, cell style and largest font sizes.
    shared_scale : bool, optional
        One colour scale for all planes; ``None`` shares it when every plane spans at
        least 80 % of the common range (:func:`planes_share_scale`).
    cmap : str or Colormap, optional
        Defaults to ``config.cmap``.
    title : str or None, default="Component planes"
        Figure title; None for none (the subtitle stays).
    value_label : str, default="weight"
        What the colours show, for the subtitle and the shared colour bar.

    Returns
    -------
    list of matplotlib.axes.Axes
        The map axes, one per plane, in feature order.

    Raises
    ------
    ValueError
        If ``planes`` is not 3-D, holds no plane, or ``names`` has another length.
    """
    config = config or VisualizationConfig()
    values = as_numeric(planes, "planes")
    if values.ndim != 3 or values.shape[2] == 0 or 0 in values.shape:
        raise ValueError(
            f"planes must have shape (x, y, n_features) with n_features >= 1; got shape "
            f"{values.shape}."
        )
    x, y, n = values.shape
    titles = [f"Component_{i + 1}" for i in range(n)] if names is None else check_names(
        names, "names")
    if len(titles) != n:
        raise ValueError(f"names has {len(titles)} entries but there are {n} planes.")
    shared = planes_share_scale(values) if shared_scale is None else bool(shared_scale)
    vertices = cell_vertices(x, y, topology, config.hex_radius).reshape(-1, 2)
    extent = vertices.max(axis=0) - vertices.min(axis=0) + 0.2  # _cells adds 0.1 a side
    aspect = float(extent[1] / extent[0])

    fig.set_layout_engine("none")
    low = np.nanmin(values, axis=(0, 1))
    high = np.nanmax(values, axis=(0, 1))
    bar_labels = [_fmt(v, hi - lo) for lo, hi in zip(low, high) for v in _bar_ticks(lo, hi)]
    title_size = float(config.fontsize.get("title", 16))
    sub_size = max(7.0, min(11.0, float(config.fontsize.get("legend", 11))))
    scale_note = "one colour scale for all panels" if shared else "each panel has its own " \
        "colour scale"
    subtitle = f"{value_label} per neuron; row 0 at the top, column 0 at the left; {scale_note}"
    title_h = title_size * 1.3 / 72 if title else 0.0
    header = MARGIN + title_h + sub_size * 1.3 / 72 + 0.12
    page = (float(config.figsize[0]), float(config.figsize[1]))
    layout = plane_layout(n, aspect, titles, bar_labels, shared, page, header, config)

    bar_room = 0.55 if shared else 0.0  # the shared colour bar and its labels
    content_w = layout.cols * layout.slot_w + bar_room
    text_w = max(text_width(subtitle, sub_size),
                 text_width(title, title_size) * 1.1 if title else 0.0)
    fig_w = max(4.0, 2 * MARGIN + content_w, 2 * MARGIN + text_w)
    indent = (fig_w - content_w) / 2  # the grid centred under the titles
    fig_h = header + layout.rows * layout.slot_h + MARGIN
    fig.set_size_inches(fig_w, fig_h)
    if title:
        fig.text(0.5, 1 - MARGIN / fig_h, title, ha="center", va="top", fontsize=title_size,
                 fontweight=config.fontweight.get("title", "bold"))
    fig.text(0.5, 1 - (MARGIN + title_h) / fig_h, subtitle, ha="center", va="top",
             fontsize=sub_size, color="0.3")
    norm = Normalize(float(np.nanmin(low)), float(np.nanmax(high))) if shared else None
    if norm is not None and norm.vmin == norm.vmax:
        norm = Normalize(norm.vmin - 0.5, norm.vmax + 0.5)

    axes: list[Axes] = []
    bars: list[tuple[float, ...]] = []
    cells = None
    for i in range(n):
        row, col = divmod(i, layout.cols)
        left = indent + col * layout.slot_w + layout.tick_left
        top = header + row * layout.slot_h + layout.title_h
        bottom = fig_h - top - layout.map_h
        ax = fig.add_axes((left / fig_w, bottom / fig_h, layout.map_w / fig_w,
                           layout.map_h / fig_h))
        cells = draw_cells(ax, values[:, :, i], topology, cmap=cmap, norm=norm,
                           config=config, empty_legend=False, decorate=False)
        _plane_ticks(ax, x, y, topology, layout)
        ax.set_title(wrap_title(titles[i], layout.title_w, layout.title_size),
                     fontsize=layout.title_size, pad=layout.title_pad, loc="left",
                     fontweight=config.fontweight.get("axis", "normal"))
        if not shared:
            bars.append(((left + layout.map_w + BAR_GAP), bottom, layout.bar_w,
                         layout.map_h, float(low[i]), float(high[i])))
        axes.append(ax)
    if bars:
        _draw_bars(fig, bars, cells.get_cmap() if cells is not None else None,
                   layout.tick_size)
    if shared and cells is not None:
        grid_top = header + layout.title_h
        grid_h = layout.rows * layout.slot_h - layout.title_h - VGAP - layout.tick_below
        height = min(grid_h, 4.0)
        cax = fig.add_axes(((indent + content_w - bar_room + 0.1) / fig_w,
                            (fig_h - grid_top - height) / fig_h, 0.14 / fig_w,
                            height / fig_h))
        bar = fig.colorbar(cells, cax=cax)
        bar.set_label(value_label, fontsize=layout.tick_size + 1)
        cax.tick_params(labelsize=layout.tick_size)
    return axes


def _draw_bars(fig: Figure, bars: Sequence[tuple[float, ...]], cmap: Colormap | None,
               size: float) -> Axes:
    """Slim colour bars, one per panel, all drawn on one bare axes spanning the figure.

    ``bars`` holds ``(left, bottom, width, height, low, high)`` in inches from the
    figure's bottom-left corner. One axes instead of one per bar keeps many panels fast.
    """
    fig_w, fig_h = fig.get_size_inches()
    overlay = fig.add_axes((0.0, 0.0, 1.0, 1.0), zorder=-1)
    overlay.set_axis_off()
    overlay.set_xlim(0.0, fig_w)
    overlay.set_ylim(0.0, fig_h)
    overlay.set_gid("colour-bars")
    ramp = np.linspace(0.0, 1.0, 128)[:, None]
    segments = []
    for left, bottom, width, height, low, high in bars:
        overlay.imshow(ramp, extent=(left, left + width, bottom, bottom + height),
                       cmap=cmap, vmin=0.0, vmax=1.0, origin="lower", aspect="auto",
                       interpolation="nearest")
        right = left + width
        segments.append([(left, bottom), (right, bottom), (right, bottom + height),
                         (left, bottom + height), (left, bottom)])
        span = high - low
        for value in _bar_ticks(low, high, middle=height >= 1.2):
            y = bottom + (height / 2 if span <= 0 else (value - low) / span * height)
            segments.append([(right, y), (right + 0.03, y)])
            overlay.text(right + 0.05, y, _fmt(value, span), fontsize=size, va="center",
                         ha="left")
    overlay.add_collection(LineCollection(segments, colors="black", linewidths=0.4))
    return overlay


def _plane_ticks(ax: Axes, x: int, y: int, topology: str, layout: PlaneLayout) -> None:
    """First and last row and column index on large panels, nothing on small ones."""
    if not layout.ticks:
        return
    row_scale = math.sqrt(3.0) / 2.0 if topology == "hexagonal" else 1.0
    cols = sorted({0, y - 1})
    rows = sorted({0, x - 1})
    ax.set_xticks(cols, [str(c) for c in cols])
    ax.set_yticks([r * row_scale for r in rows], [str(r) for r in rows])
    ax.tick_params(labelsize=layout.tick_size, length=2, pad=1.5)
