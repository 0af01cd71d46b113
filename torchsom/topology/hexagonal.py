"""Hexagonal coordinate conversions for the odd-r layout (odd rows shifted right).

Offset coordinates are ``(row, col)``; axial coordinates are ``(q, r)`` with ``r = row``;
cube coordinates are ``(x, y, z) = (q, -q - r, r)``.
"""

from __future__ import annotations

import math

__all__ = [
    "offset_to_axial_coords",
    "axial_to_offset_coords",
    "axial_to_cube_coords",
    "cube_to_axial_coords",
    "hexagonal_distance_axial",
    "hexagonal_distance_offset",
    "grid_to_display_coords",
    "neighbors_offset",
    "neighbors_axial",
]


def offset_to_axial_coords(row: int, col: int) -> tuple[int, int]:
    """Offset ``(row, col)`` → axial ``(q, r)``."""
    return col - (row - (row & 1)) // 2, row


def axial_to_offset_coords(q: int, r: int) -> tuple[int, int]:
    """Axial ``(q, r)`` → offset ``(row, col)``."""
    return r, q + (r - (r & 1)) // 2


def axial_to_cube_coords(q: int, r: int) -> tuple[int, int, int]:
    """Axial ``(q, r)`` → cube ``(x, y, z)``."""
    return q, -q - r, r


def cube_to_axial_coords(x: int, y: int, z: int) -> tuple[int, int]:
    """Cube ``(x, y, z)`` → axial ``(q, r)``."""
    return x, z


def hexagonal_distance_axial(q1: int, r1: int, q2: int, r2: int) -> int:
    """Number of hexagon steps between two axial positions."""
    dq, dr = q1 - q2, r1 - r2
    return (abs(dq) + abs(dr) + abs(dq + dr)) // 2


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


def neighbors_axial(q: int, r: int) -> list[tuple[int, int]]:
    """The six axial neighbours of ``(q, r)``, counter-clockwise from the right."""
    return [(q + 1, r), (q + 1, r - 1), (q, r - 1), (q - 1, r), (q - 1, r + 1), (q, r + 1)]
