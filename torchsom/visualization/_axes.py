"""Helpers shared by the plotting functions: new axes, figure sizes, colour bars."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap

from torchsom.visualization._style import NOISE_COLOR, label_colors
from torchsom.visualization.config import VisualizationConfig

__all__ = ["new_axes", "map_figsize", "add_colorbar", "categorical", "grid_shape"]


def grid_shape(som: Any) -> tuple[int, int, str]:
    """``(x, y, topology)`` of a map (public attributes only)."""
    return int(som.x), int(som.y), str(getattr(som, "topology", "rectangular"))


def map_figsize(
    x: int, y: int, topology: str, config: VisualizationConfig, panels: tuple[int, int] = (1, 1)
) -> tuple[float, float]:
    """A figure size that fits ``panels`` (rows, cols) of an x × y map and its colour bar,
    within ``config.figsize``."""
    width_units = y + (0.5 if topology == "hexagonal" and x > 1 else 0.0)
    height_units = x * (math.sqrt(3.0) / 2.0 if topology == "hexagonal" else 1.0)
    max_w, max_h = config.figsize
    rows, cols = panels
    panel_h = (max_h - 1.2) / rows
    panel_w = panel_h * width_units / max(height_units, 1e-9) + 1.6
    if panel_w * cols > max_w:
        panel_w = max_w / cols
        panel_h = (panel_w - 1.6) * height_units / max(width_units, 1e-9)
    return (max(4.0, panel_w * cols + 0.4), max(3.0, panel_h * rows + 1.2))


def new_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax`` itself, or the axes of a new constrained-layout pyplot figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, created = plt.subplots(figsize=figsize, layout="constrained")
    return created


def add_colorbar(ax: Axes, mappable: Any, label: str | None, config: VisualizationConfig,
                 **kwargs: Any) -> Any:
    """A colour bar beside ``ax`` with the config's padding and label size."""
    bar = ax.figure.colorbar(mappable, ax=ax, pad=config.colorbar_pad, **kwargs)
    if label:
        bar.set_label(label, fontsize=config.fontsize.get("axis", 13))
    return bar


def categorical(
    values: np.ndarray, noise: float | None = None
) -> tuple[np.ndarray, ListedColormap, BoundaryNorm, list[float]]:
    """Encode categorical values as 0..n-1 codes with a discrete colormap.

    Parameters
    ----------
    values : numpy.ndarray
        Any shape; NaN stays NaN (an empty neuron).
    noise : float, optional
        A value drawn in grey and placed first (HDBSCAN's ``-1``).

    Returns
    -------
    codes : numpy.ndarray
        Same shape, float, codes 0..n-1 or NaN.
    cmap : ListedColormap
    norm : BoundaryNorm
        Bin edges at half-integers, so code ``i`` gets colour ``i``.
    levels : list of float
        The original value of each code.
    """
    finite = values[np.isfinite(values)]
    levels = sorted({float(v) for v in finite})
    has_noise = noise is not None and float(noise) in levels
    if has_noise:
        levels.remove(float(noise))
        levels.insert(0, float(noise))
    lookup = {level: code for code, level in enumerate(levels)}
    codes = np.full(values.shape, np.nan)
    mask = np.isfinite(values)
    codes[mask] = [lookup[float(v)] for v in values[mask]]
    n = max(len(levels), 1)
    colors = list(label_colors(n - (1 if has_noise else 0)).colors)
    if has_noise:
        colors.insert(0, NOISE_COLOR)
    cmap = ListedColormap(colors[:n])
    return codes, cmap, BoundaryNorm(np.arange(-0.5, n + 0.5), n), levels
