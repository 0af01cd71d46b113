"""Compatibility path: odd-r hexagonal coordinates (adapters in
:mod:`torchsom._compat.hexagonal`)."""

from torchsom._compat.hexagonal import (  # noqa: F401
    axial_to_cube_coords,
    axial_to_offset_coords,
    cube_to_axial_coords,
    grid_to_display_coords,
    hexagonal_distance_axial,
    hexagonal_distance_offset,
    neighbors_axial,
    neighbors_offset,
    offset_to_axial_coords,
)
