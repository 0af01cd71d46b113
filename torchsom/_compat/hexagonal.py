"""Hexagonal coordinate helpers of earlier releases, with their call signatures.

The layout is odd-r (odd rows shifted right by half a cell), the one convention of
:mod:`torchsom.topology.coordinates`. Offset coordinates are ``(row, col)``; axial
coordinates are ``(q, r)`` with ``r = row``; cube coordinates are
``(x, y, z) = (q, -q - r, r)``. Distances are counted in hexagon steps and returned as
``int``.

The drawing helpers :func:`grid_to_hex_coords` and :func:`calculate_hex_dimensions` give
the cell centres and the extent of a drawn hexagonal grid (``torchsom.visualization.
hexagonal_utils`` re-exports them next to the patch builders).
"""

from __future__ import annotations

import math

__all__ = [
    "DEFAULT_HEX_RADIUS",
    "offset_to_axial_coords",
    "axial_to_offset_coords",
    "axial_to_cube_coords",
    "cube_to_axial_coords",
    "hexagonal_distance_axial",
    "hexagonal_distance_offset",
    "grid_to_display_coords",
    "neighbors_offset",
    "neighbors_axial",
    "grid_to_hex_coords",
    "calculate_hex_dimensions",
]

#: circumradius of a drawn hexagon at unit centre spacing: the cells tile without gaps
DEFAULT_HEX_RADIUS = 1.0 / math.sqrt(3.0)


def offset_to_axial_coords(row: int, col: int) -> tuple[int, int]:
    """Offset ``(row, col)`` → axial ``(q, r)``."""
    return col - (row - (row & 1)) // 2, row


def axial_to_offset_coords(q: float, r: int) -> tuple[int, int]:
    """Axial ``(q, r)`` → offset ``(row, col)``, as ints."""
    return int(r), int(q + (r - (r & 1)) // 2)


def axial_to_cube_coords(q: float, r: float) -> tuple[float, float, float]:
    """Axial ``(q, r)`` → cube ``(x, y, z)``."""
    return q, -q - r, r


def cube_to_axial_coords(x: float, z: float) -> tuple[float, float]:
    """Cube ``(x, ·, z)`` → axial ``(q, r)``: the cube's ``x`` and ``z`` (``y`` follows
    from them, so it is not an argument)."""
    return x, z


def hexagonal_distance_axial(q1: float, r1: float, q2: float, r2: float) -> int:
    """Number of hexagon steps between two axial positions."""
    dq, dr = q1 - q2, r1 - r2
    return int((abs(dq) + abs(dr) + abs(dq + dr)) // 2)


def hexagonal_distance_offset(row1: int, col1: int, row2: int, col2: int) -> int:
    """Number of hexagon steps between two offset positions."""
    return hexagonal_distance_axial(
        *offset_to_axial_coords(row1, col1), *offset_to_axial_coords(row2, col2)
    )


def grid_to_display_coords(row: int, col: int, hex_radius: float = 1.0) -> tuple[float, float]:
    """Centre of a pointy-top hexagon of circumradius ``hex_radius`` (row 0 at y = 0)."""
    return (col + 0.5 * (row & 1)) * hex_radius * math.sqrt(3.0), row * 1.5 * hex_radius


def neighbors_offset(row: int, col: int) -> list[tuple[int, int]]:
    """The six neighbours of ``(row, col)``: upper pair, same row, lower pair."""
    shift = row & 1
    return [
        (row - 1, col - 1 + shift),
        (row - 1, col + shift),
        (row, col - 1),
        (row, col + 1),
        (row + 1, col - 1 + shift),
        (row + 1, col + shift),
    ]


def neighbors_axial(q: float, r: float) -> list[tuple[float, float]]:
    """The six axial neighbours of ``(q, r)``, counter-clockwise from the right."""
    return [(q + 1, r), (q + 1, r - 1), (q, r - 1), (q - 1, r), (q - 1, r + 1), (q, r + 1)]


def grid_to_hex_coords(row: int, col: int,
                       hex_radius: float = DEFAULT_HEX_RADIUS) -> tuple[float, float]:
    """Drawing centre ``(horizontal, vertical)`` of neuron ``(row, col)``.

    Neighbouring centres are ``hex_radius·√3`` apart: one unit with the default radius,
    where neuron ``(row, col)`` sits at ``(col + 0.5·[row odd], row·√3/2)``.
    """
    spacing = hex_radius * math.sqrt(3.0)
    return (col + 0.5 * (row % 2)) * spacing, row * math.sqrt(3.0) / 2.0 * spacing


def calculate_hex_dimensions(x_dim: int, y_dim: int,
                             hex_radius: float = DEFAULT_HEX_RADIUS
                             ) -> tuple[float, float, float, float]:
    """Bounding box ``(x_min, x_max, y_min, y_max)`` of the hexagons of an ``x_dim``-row,
    ``y_dim``-column grid drawn at unit centre spacing (:func:`grid_to_hex_coords`), each
    a pointy-top hexagon of circumradius ``hex_radius``."""
    half_width = hex_radius * math.sqrt(3.0) / 2.0
    widest = (y_dim - 1) + (0.5 if x_dim > 1 else 0.0)
    lowest = (x_dim - 1) * math.sqrt(3.0) / 2.0
    return -half_width, widest + half_width, -hex_radius, lowest + hex_radius
