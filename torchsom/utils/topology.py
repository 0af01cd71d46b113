"""Compatibility module: neighbour offsets (see :mod:`torchsom.topology.neighbors`)."""

from torchsom.topology.neighbors import (  # noqa: F401
    get_all_neighbors_up_to_order,
    get_hexagonal_offsets,
    get_rectangular_offsets,
)
