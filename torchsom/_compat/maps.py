"""Map builders with the calling convention of earlier releases.

``MAP_FUNCTIONS`` and the ``build_*_map`` functions take the SOM first, as before, and
forward to :meth:`SOM.build_map <torchsom.core.som.SOM.build_map>` (implemented in
:mod:`torchsom.core.mapping`). The tensor kernels behind them live in
:mod:`torchsom.functional.maps` and are re-exported here too.
"""

from __future__ import annotations

from typing import Any

from torchsom.functional.maps import (
    METRIC_REDUCTIONS,
    U_MATRIX_SCALINGS,
    classification_map,
    distance_map,
    hit_map,
    metric_map,
    rank_map,
    score_map,
)

__all__ = [
    "MAP_FUNCTIONS",
    "METRIC_REDUCTIONS",
    "U_MATRIX_SCALINGS",
    "build_hit_map",
    "build_distance_map",
    "build_bmus_data_map",
    "build_metric_map",
    "build_score_map",
    "build_rank_map",
    "build_classification_map",
    "classification_map",
    "distance_map",
    "hit_map",
    "metric_map",
    "rank_map",
    "score_map",
]


def build_hit_map(som: Any, data: Any, batch_size: int = 1024) -> Any:
    """Samples per neuron, float32 (x, y); see ``SOM.build_map("hit")``."""
    return som.build_map("hit", data=data, batch_size=batch_size)


def build_distance_map(som: Any, distance_metric: Any = None,
                       neighborhood_order: int | None = None, scaling: str = "sum") -> Any:
    """U-matrix in [0, 1], float32 (x, y); see ``SOM.build_map("distance")``."""
    return som.build_map("distance", distance_metric=distance_metric,
                         neighborhood_order=neighborhood_order, scaling=scaling)


def build_bmus_data_map(som: Any, data: Any, return_indices: bool = False,
                        batch_size: int = 1024) -> Any:
    """Samples won by each neuron; see ``SOM.build_map("bmus_data")``."""
    return som.build_map("bmus_data", data=data, return_indices=return_indices,
                         batch_size=batch_size)


def build_metric_map(som: Any, target: Any, bmus_data_map: Any,
                     reduction_parameter: str = "mean") -> Any:
    """A statistic of the target per neuron; see ``SOM.build_map("metric")``."""
    return som.build_map("metric", target=target, bmus_data_map=bmus_data_map,
                         reduction_parameter=reduction_parameter)


def build_score_map(som: Any, target: Any, bmus_data_map: Any,
                    total_samples: int | None = None) -> Any:
    """Reliability score per neuron; see ``SOM.build_map("score")``."""
    return som.build_map("score", target=target, bmus_data_map=bmus_data_map,
                         total_samples=total_samples)


def build_rank_map(som: Any, target: Any, bmus_data_map: Any) -> Any:
    """Rank by target spread, 1 = largest; see ``SOM.build_map("rank")``."""
    return som.build_map("rank", target=target, bmus_data_map=bmus_data_map)


def build_classification_map(som: Any, target: Any, bmus_data_map: Any,
                             neighborhood_order: int | None = None) -> Any:
    """Majority label per neuron; see ``SOM.build_map("classification")``."""
    return som.build_map("classification", target=target, bmus_data_map=bmus_data_map,
                         neighborhood_order=neighborhood_order)


MAP_FUNCTIONS = {
    "hit": build_hit_map,
    "distance": build_distance_map,
    "bmus_data": build_bmus_data_map,
    "metric": build_metric_map,
    "score": build_score_map,
    "rank": build_rank_map,
    "classification": build_classification_map,
}
