"""Appearance settings shared by every plot."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

from torchsom.exceptions import InvalidParameterError

__all__ = ["VisualizationConfig"]


def _fontsize() -> dict[str, int]:
    return {"title": 16, "axis": 13, "legend": 11}


def _fontweight() -> dict[str, str]:
    return {"title": "bold", "axis": "normal", "legend": "normal"}


@dataclass
class VisualizationConfig:
    """How :class:`~torchsom.visualization.SOMVisualizer` draws and saves figures.

    Attributes
    ----------
    figsize : tuple of float, default=(12, 8)
        Largest figure size in inches; map figures shrink one side to the grid's aspect.
    fontsize : dict, default={"title": 16, "axis": 13, "legend": 11}
        Font sizes of titles, axis labels and legends.
    fontweight : dict, default={"title": "bold", "axis": "normal", "legend": "normal"}
        Font weights of the same elements.
    cmap : str, default="viridis"
        Colormap of continuous maps (any name in ``matplotlib.colormaps``).
    dpi : int, default=100
        Resolution of saved figures: 100 suits a screen (a 12-inch-wide figure is 1200
        pixels); use 300 for print.
    grid_alpha : float, default=0.3
        Opacity of the grid lines of line and bar charts.
    colorbar_pad : float, default=0.01
        Gap between a map and its colour bar, as a fraction of the axes.
    save_format : str, default="png"
        File format (and extension) of saved figures.
    hex_radius : float, default=1/sqrt(3)
        Circumradius of a hexagonal cell in grid units; the default tiles the plane
        exactly (neighbouring centres are 1 apart). Smaller values leave gaps.
    hex_border_color : str, default="black"
        Edge colour of the cells (square and hexagonal).
    hex_border_width : float, default=0.3
        Edge width of the cells, in points.
    empty_color : str, default="white"
        Face colour of neurons without a value (no sample won them).
    empty_hatch : str, default="////"
        Hatch drawn over empty neurons so they never look like a value.
    """

    figsize: tuple[float, float] = (12, 8)
    fontsize: dict[str, int] = field(default_factory=_fontsize)
    fontweight: dict[str, str] = field(default_factory=_fontweight)
    cmap: str = "viridis"
    dpi: int = 100
    grid_alpha: float = 0.3
    colorbar_pad: float = 0.01
    save_format: str = "png"
    hex_radius: float = 1.0 / math.sqrt(3.0)
    hex_border_color: str = "black"
    hex_border_width: float = 0.3
    empty_color: str = "white"
    empty_hatch: str = "////"

    def __post_init__(self) -> None:
        from matplotlib.figure import Figure

        formats = Figure().canvas.get_supported_filetypes()
        if not isinstance(self.save_format, str) or self.save_format.lower() not in formats:
            raise InvalidParameterError(
                f"save_format={self.save_format!r} is not a format matplotlib can write; "
                f"expected one of {', '.join(sorted(formats))}."
            )
        for name in ("dpi", "hex_radius", "hex_border_width", "colorbar_pad", "grid_alpha"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                    math.isfinite(value) and value >= 0):
                raise InvalidParameterError(
                    f"{name} must be a finite number >= 0; got {value!r}."
                )
        if self.dpi <= 0 or self.hex_radius <= 0:
            raise InvalidParameterError(
                f"dpi and hex_radius must be > 0; got dpi={self.dpi!r}, "
                f"hex_radius={self.hex_radius!r}."
            )
        size = tuple(self.figsize) if isinstance(self.figsize, (tuple, list)) else ()
        if len(size) != 2 or not all(isinstance(v, numbers.Real) and v > 0 for v in size):
            raise InvalidParameterError(
                f"figsize must be (width, height) in inches, both > 0; got {self.figsize!r}."
            )
