"""Maps over the grid and sample retrieval for a trained SOM, in one namespace.

The code lives in :mod:`torchsom.core.maps` (the ``bmus_data`` map forms, the map
builders, maps by name) and :mod:`torchsom.core.retrieval` (sample retrieval); this
module keeps the names importable from one place.
"""

from torchsom.core.maps import (
    MAP_FUNCTIONS,
    MAP_TYPES,
    SUPERVISED_MAP_TYPES,
    BMUMap,
    bmu_assignment,
    build_bmus_data_map,
    build_classification_map,
    build_distance_map,
    build_hit_map,
    build_map,
    build_metric_map,
    build_multiple_maps,
    build_rank_map,
    build_score_map,
)
from torchsom.core.retrieval import (
    RETRIEVAL_MODES,
    collect_samples,
    collect_samples_batch,
    retrieval_indices,
)

__all__ = [
    "BMUMap",
    "MAP_TYPES",
    "SUPERVISED_MAP_TYPES",
    "RETRIEVAL_MODES",
    "MAP_FUNCTIONS",
    "build_map",
    "build_multiple_maps",
    "build_hit_map",
    "build_distance_map",
    "build_bmus_data_map",
    "build_metric_map",
    "build_score_map",
    "build_rank_map",
    "build_classification_map",
    "bmu_assignment",
    "collect_samples",
    "collect_samples_batch",
    "retrieval_indices",
]
