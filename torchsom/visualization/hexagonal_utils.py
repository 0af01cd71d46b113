"""Hexagonal drawing helpers of earlier releases, with their call signatures.

The geometry (cell centres, extent of the grid) is the compatibility code of
:mod:`torchsom._compat.hexagonal`, re-exported here. The two patch builders stay in this
module because they make matplotlib objects, and matplotlib belongs to the
visualization layer. The maps of :class:`~torchsom.SOMVisualizer` draw with
:mod:`torchsom.visualization._cells` instead.

Hexagons are pointy-top, centred on the odd-r positions of
:func:`torchsom.topology.display_positions` at unit spacing; with the default radius
``1/sqrt(3)`` they tile without gaps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from matplotlib.colors import Colormap, Normalize
from matplotlib.patches import RegularPolygon

from torchsom._compat.hexagonal import (
    DEFAULT_HEX_RADIUS,
    calculate_hex_dimensions,
    grid_to_hex_coords,
)
from torchsom.visualization._cells import cell_centres
from torchsom.visualization._style import get_cmap

__all__ = [
    "DEFAULT_HEX_RADIUS",
    "grid_to_hex_coords",
    "calculate_hex_dimensions",
    "create_hexagon_patch",
    "create_hexagonal_grid_patches",
]


def create_hexagon_patch(center_x: float, center_y: float, radius: float = DEFAULT_HEX_RADIUS,
                         facecolor: Any = "white", edgecolor: Any = "black",
                         linewidth: float = 0.5, **kwargs: Any) -> RegularPolygon:
    """One pointy-top hexagon of circumradius ``radius``; ``kwargs`` go to
    ``RegularPolygon`` (alpha, hatch, ...)."""
    return RegularPolygon((center_x, center_y), numVertices=6, radius=radius,
                          orientation=0.0, facecolor=facecolor, edgecolor=edgecolor,
                          linewidth=linewidth, **kwargs)


def create_hexagonal_grid_patches(
    map_data: Any,
    hex_radius: float = DEFAULT_HEX_RADIUS,
    cmap: Colormap | str | None = None,
    norm: Normalize | None = None,
    edgecolor: Any = "white",
    linewidth: float = 0.5,
) -> tuple[list[RegularPolygon], float, float, float, float]:
    """One coloured hexagon per cell of ``map_data`` and the extent they cover.

    Parameters
    ----------
    map_data : array-like
        Shape (x, y): one value per neuron; NaN cells are white.
    hex_radius : float
        Circumradius of each hexagon (centres are one unit apart).
    cmap : Colormap or str, optional
        Colormap (default ``"viridis"``).
    norm : Normalize, optional
        Value-to-colour scaling; default: the finite values' range (0 to 1 when none).
    edgecolor, linewidth
        Hexagon borders.

    Returns
    -------
    patches : list of RegularPolygon
        In row-major neuron order.
    x_min, x_max, y_min, y_max : float
        Extent of the hexagons (:func:`calculate_hex_dimensions`).
    """
    if isinstance(map_data, torch.Tensor):
        map_data = map_data.detach().cpu().numpy()
    values = np.asarray(map_data, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"map_data must have shape (x, y); got shape {values.shape}.")
    colours = get_cmap(cmap)
    finite = values[np.isfinite(values)]
    if norm is None:
        norm = (Normalize(float(finite.min()), float(finite.max())) if finite.size
                else Normalize(0.0, 1.0))
    rows, cols = values.shape
    patches = [
        create_hexagon_patch(cx, cy, hex_radius,
                             facecolor="white" if np.isnan(value) else colours(norm(value)),
                             edgecolor=edgecolor, linewidth=linewidth)
        for (cx, cy), value in zip(cell_centres(rows, cols, "hexagonal"), values.ravel())
    ]
    return (patches, *calculate_hex_dimensions(rows, cols, hex_radius))
