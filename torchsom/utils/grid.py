"""Compatibility path: mesh grids (adapters in :mod:`torchsom._compat.grid`)."""

from torchsom._compat.grid import adjust_meshgrid_topology, create_mesh_grid  # noqa: F401
