"""Grid geometry: neuron positions, distances on the grid and neighbour offsets."""

from torchsom.topology.coordinates import (
    HEX_ROW_HEIGHT,
    TOPOLOGIES,
    adjacency_threshold,
    check_topology,
    display_positions,
    grid_distance_sq,
    grid_periods,
    grid_positions,
    pairwise_grid_distance_sq,
)
from torchsom.topology.neighbors import (
    get_all_neighbors_up_to_order,
    get_hexagonal_offsets,
    get_rectangular_offsets,
    largest_useful_order,
    neighbor_table,
    offsets_for_row,
)

__all__ = [
    "HEX_ROW_HEIGHT",
    "TOPOLOGIES",
    "adjacency_threshold",
    "check_topology",
    "display_positions",
    "grid_distance_sq",
    "grid_periods",
    "grid_positions",
    "pairwise_grid_distance_sq",
    "get_all_neighbors_up_to_order",
    "largest_useful_order",
    "get_hexagonal_offsets",
    "get_rectangular_offsets",
    "neighbor_table",
    "offsets_for_row",
]
