"""The page layout of the component planes, computed in inches before anything is drawn.

:func:`plane_layout` picks the grid of panels: the number of columns that gives the
largest maps on the page (``config.figsize``), growing the page downwards instead when
the maps would get smaller than :data:`MIN_MAP_INCHES`; index ticks only on panels at
least :data:`TICKS_FROM_INCHES` wide; title and tick font sizes that fit the panel.
:func:`wrap_title` breaks long feature names to the panel's width. Text widths are
measured with matplotlib's Agg text engine, not guessed. Drawing is in
:mod:`torchsom.visualization.planes`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from torchsom.visualization.config import VisualizationConfig

__all__ = [
    "BAR_GAP",
    "MARGIN",
    "MIN_MAP_INCHES",
    "TICKS_FROM_INCHES",
    "VGAP",
    "PlaneLayout",
    "plane_layout",
    "text_width",
    "wrap_title",
]

#: smallest map side (inches) before the page grows instead of the maps shrinking
MIN_MAP_INCHES = 0.8
#: maps at least this wide (inches) show their first and last row and column index
TICKS_FROM_INCHES = 1.3
#: page margin, gaps between panels and between a map and its colour bar (inches)
MARGIN = 0.15
HGAP = 0.18
VGAP = 0.14
BAR_GAP = 0.05
_RENDERER = RendererAgg(1, 1, 72)  # measures text, whatever the figure's canvas
_SPLIT = re.compile(r"(?<=[_/\- ])")


@functools.lru_cache(maxsize=4096)
def _width_at_100(text: str) -> float:
    """Width of ``text`` in inches at 100 points (widths scale with the font size)."""
    width, _, _ = _RENDERER.get_text_width_height_descent(text, FontProperties(size=100),
                                                          ismath=False)
    return width / 72.0


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in inches at font ``size`` (points)."""
    return _width_at_100(text) * size / 100.0


def wrap_title(name: str, width: float, size: float, max_lines: int = 2) -> str:
    """``name`` broken into at most ``max_lines`` lines no wider than ``width`` inches.

    Lines break after ``_``, ``/``, ``-`` or a space; a word wider than the line is cut;
    text beyond the last line is replaced by "…".
    """
    def fits(text: str) -> bool:
        return text_width(text, size) <= width

    pieces: list[str] = []
    for token in _SPLIT.split(name):
        while token and not fits(token):  # cut words wider than a line
            cut = max(1, max(k for k in range(1, len(token) + 1) if fits(token[:k]))
                      if fits(token[:1]) else 1)
            pieces.append(token[:cut])
            token = token[cut:]
        if token:
            pieces.append(token)
    lines: list[str] = []
    for piece in pieces:
        if lines and fits(lines[-1] + piece):
            lines[-1] += piece
        else:
            lines.append(piece)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and not fits(last + "…"):
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    return "\n".join(line.strip() for line in lines)


@dataclass(frozen=True)
class PlaneLayout:
    """Where the panels go: grid size, map size and font sizes, all in inches / points."""

    rows: int
    cols: int
    map_w: float
    map_h: float
    ticks: bool
    title_size: float
    tick_size: float
    title_lines: int
    bar_w: float  # colour bar of each panel, 0 when shared
    label_w: float  # tick labels of each panel's colour bar

    @property
    def tick_left(self) -> float:
        return 0.22 if self.ticks else 0.0

    @property
    def tick_below(self) -> float:
        return 0.18 if self.ticks else 0.0

    @property
    def title_pad(self) -> float:
        """Gap (points) between a title and its map: clears the colour bar's top label."""
        return 0.6 * self.tick_size + 2.0

    @property
    def title_h(self) -> float:
        return (self.title_lines * self.title_size * 1.25 + self.title_pad) / 72 + 0.03

    @property
    def slot_w(self) -> float:
        extra = self.bar_w + self.label_w + (BAR_GAP if self.bar_w else 0.0)
        return self.tick_left + self.map_w + extra + HGAP

    @property
    def title_w(self) -> float:
        """Room for a title, from its map's left edge to the end of the slot."""
        return self.slot_w - self.tick_left - HGAP

    @property
    def slot_h(self) -> float:
        return self.title_h + self.map_h + self.tick_below + VGAP


def _sizes(slot_width: float, config: VisualizationConfig) -> tuple[float, float]:
    """Title and tick font sizes (points) for a panel ``slot_width`` inches wide."""
    axis = float(config.fontsize.get("axis", 13))
    title = min(axis, max(7.0, 5.5 * slot_width))
    return title, max(6.0, min(axis - 3.0, title - 2.0))


def plane_layout(n: int, aspect: float, names: Sequence[str], bar_labels: Sequence[str],
                 shared: bool, page: tuple[float, float], header: float,
                 config: VisualizationConfig) -> PlaneLayout:
    """The grid giving the largest maps on ``page``, growing the page if they get small.

    Panels show index ticks only when their maps are at least ``TICKS_FROM_INCHES`` wide.
    """
    layout = _best_grid(n, aspect, names, bar_labels, shared, page, header, config,
                        ticks=True)
    if layout.map_w < TICKS_FROM_INCHES:
        layout = _best_grid(n, aspect, names, bar_labels, shared, page, header, config,
                            ticks=False)
    lines = max(wrap_title(s, layout.title_w, layout.title_size).count("\n")
                for s in names) + 1
    return PlaneLayout(layout.rows, layout.cols, layout.map_w, layout.map_h, layout.ticks,
                       layout.title_size, layout.tick_size, lines, layout.bar_w,
                       layout.label_w)


def _best_grid(n: int, aspect: float, names: Sequence[str], bar_labels: Sequence[str],
               shared: bool, page: tuple[float, float], header: float,
               config: VisualizationConfig, ticks: bool) -> PlaneLayout:
    width, height = page
    usable = width - 2 * MARGIN - (0.55 if shared else 0.0)
    candidates: list[tuple[float, float, PlaneLayout]] = []
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        slot_width = usable / cols
        title_size, tick_size = _sizes(slot_width, config)
        bar_w = 0.0 if shared else min(0.14, max(0.08, 0.07 * slot_width))
        label_w = 0.0 if shared else max(
            text_width(s, tick_size) for s in bar_labels) + 0.08
        title_room = slot_width - HGAP - (0.22 if ticks else 0.0)
        lines = 1 if max(text_width(s, title_size) for s in names) <= title_room else 2
        unit = PlaneLayout(rows, cols, 1.0, aspect, ticks, title_size, tick_size, lines,
                           bar_w, label_w)
        widest = slot_width - (unit.slot_w - 1.0)
        if widest <= 0.2:
            continue
        room = (height - header - MARGIN) / rows - (unit.slot_h - aspect)
        candidates.append((min(widest, room / aspect), widest, unit))
    if not candidates:
        raise ValueError(f"figsize {page} is too small for {n} component planes.")
    fitting = [c for c in candidates if c[0] >= MIN_MAP_INCHES]
    if fitting:  # everything on the page, maps as large as possible, fewest empty slots
        map_w, _, best = max(fitting, key=lambda c: (round(c[0], 2), -c[2].rows * c[2].cols))
    else:  # the page grows downwards: the fewest rows whose maps stay readable
        readable = [c for c in candidates if c[1] >= MIN_MAP_INCHES]
        _, map_w, best = (min(readable, key=lambda c: (c[2].rows, -c[1])) if readable
                          else max(candidates, key=lambda c: c[1]))
    return PlaneLayout(best.rows, best.cols, map_w, map_w * aspect, ticks, best.title_size,
                       best.tick_size, best.title_lines, best.bar_w, best.label_w)
