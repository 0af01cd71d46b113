"""Compatibility namespace: the helper names of the 1.x ``torchsom.utils`` package.

Everything here is re-exported from the modules that implement it (``torchsom.topology``,
``torchsom.functional``, ``torchsom.search``, ``torchsom.clustering``), or from the
adapters of ``torchsom._compat`` where the old calling convention differs; new code should
import from the former.
"""

from torchsom._compat.grid import adjust_meshgrid_topology, create_mesh_grid
from torchsom._compat.hexagonal import (
    axial_to_offset_coords,
    grid_to_display_coords,
    hexagonal_distance_axial,
    hexagonal_distance_offset,
    offset_to_axial_coords,
)
from torchsom._compat.metrics import (
    calculate_calinski_harabasz_score,
    calculate_clustering_metrics,
    calculate_davies_bouldin_score,
    calculate_quantization_error,
    calculate_silhouette_score,
    calculate_topographic_error,
    calculate_topological_clustering_quality,
)
from torchsom.clustering.algorithms import (
    cluster_data,
    cluster_gmm,
    cluster_hdbscan,
    cluster_kmeans,
)
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.initialization import initialize_weights, pca_init, random_init
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.search import (
    FAISS_AVAILABLE,
    BMUSearchStrategy,
    FAISSSearch,
    TorchBruteForceSearch,
    create_search_strategy,
)
from torchsom.topology.neighbors import (
    get_all_neighbors_up_to_order,
    get_hexagonal_offsets,
    get_rectangular_offsets,
)

__all__ = [
    "DECAY_FUNCTIONS",
    "DISTANCE_FUNCTIONS",
    "NEIGHBORHOOD_FUNCTIONS",
    "FAISS_AVAILABLE",
    "BMUSearchStrategy",
    "FAISSSearch",
    "TorchBruteForceSearch",
    "create_search_strategy",
    "create_mesh_grid",
    "adjust_meshgrid_topology",
    "offset_to_axial_coords",
    "axial_to_offset_coords",
    "hexagonal_distance_axial",
    "hexagonal_distance_offset",
    "grid_to_display_coords",
    "initialize_weights",
    "pca_init",
    "random_init",
    "calculate_quantization_error",
    "calculate_topographic_error",
    "calculate_silhouette_score",
    "calculate_davies_bouldin_score",
    "calculate_calinski_harabasz_score",
    "calculate_topological_clustering_quality",
    "calculate_clustering_metrics",
    "cluster_data",
    "cluster_kmeans",
    "cluster_gmm",
    "cluster_hdbscan",
    "get_rectangular_offsets",
    "get_hexagonal_offsets",
    "get_all_neighbors_up_to_order",
]
