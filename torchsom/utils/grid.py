"""Compatibility module: mesh grids (see :mod:`torchsom.topology.grid`)."""

from torchsom.topology.grid import adjust_meshgrid_topology, create_mesh_grid  # noqa: F401
