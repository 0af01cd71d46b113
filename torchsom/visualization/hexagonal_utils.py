"""Compatibility helpers for hexagonal drawing, built on the one cell painter.

Hexagons are pointy-top, centred on the odd-r positions of
:func:`torchsom.topology.display_positions` scaled so that neighbouring centres are
``hex_radius * sqrt(3)`` apart: with the default radius ``1/sqrt(3)`` they tile without
gaps at unit spacing.
"""

from __future__ import annotations

import math
from typing import Any

from matplotlib.patches import RegularPolygon

from torchsom.visualization._cells import cell_centres

__all__ = [
    "DEFAULT_HEX_RADIUS",
    "grid_to_hex_coords",
    "calculate_hex_dimensions",
    "create_hexagon_patch",
    "create_hexagonal_grid_patches",
]

DEFAULT_HEX_RADIUS = 1.0 / math.sqrt(3.0)


def grid_to_hex_coords(row: int, col: int,
                       hex_radius: float = DEFAULT_HEX_RADIUS) -> tuple[float, float]:
    """Drawing centre ``(horizontal, vertical)`` of neuron ``(row, col)``."""
    spacing = hex_radius * math.sqrt(3.0)
    return (col + 0.5 * (row % 2)) * spacing, row * math.sqrt(3.0) / 2.0 * spacing


def calculate_hex_dimensions(x: int, y: int,
                             hex_radius: float = DEFAULT_HEX_RADIUS) -> tuple[float, float]:
    """Width and height covered by an x-row, y-column hexagonal grid."""
    spacing = hex_radius * math.sqrt(3.0)
    width = (y + (0.5 if x > 1 else 0.0)) * spacing
    height = (x - 1) * 1.5 * hex_radius + 2.0 * hex_radius
    return width, height


def create_hexagon_patch(center_x: float, center_y: float,
                         hex_radius: float = DEFAULT_HEX_RADIUS, **kwargs: Any) -> RegularPolygon:
    """One pointy-top hexagon; ``kwargs`` go to ``RegularPolygon`` (colours, widths)."""
    return RegularPolygon((center_x, center_y), numVertices=6, radius=hex_radius,
                          orientation=0.0, **kwargs)


def create_hexagonal_grid_patches(x: int, y: int, hex_radius: float = DEFAULT_HEX_RADIUS,
                                  **kwargs: Any) -> list[RegularPolygon]:
    """Hexagons of all x·y neurons in row-major order (same geometry as the maps)."""
    spacing = hex_radius * math.sqrt(3.0)
    return [create_hexagon_patch(cx * spacing, cy * spacing, hex_radius, **kwargs)
            for cx, cy in cell_centres(x, y, "hexagonal")]
