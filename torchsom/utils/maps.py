"""Compatibility path for the map builders of earlier releases (see
:mod:`torchsom._compat.maps`)."""

from torchsom._compat.maps import (  # noqa: F401
    MAP_FUNCTIONS,
    METRIC_REDUCTIONS,
    U_MATRIX_SCALINGS,
    __all__,
    build_bmus_data_map,
    build_classification_map,
    build_distance_map,
    build_hit_map,
    build_metric_map,
    build_rank_map,
    build_score_map,
    classification_map,
    distance_map,
    hit_map,
    metric_map,
    rank_map,
    score_map,
)
