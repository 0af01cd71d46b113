"""Maps over the grid of a trained SOM.

Three modules, one idea each: :mod:`~torchsom.core.maps.bmu_map` (the ``bmus_data`` map
in its two forms, and reading any form back into an assignment),
:mod:`~torchsom.core.maps.builders` (one builder per map type) and
:mod:`~torchsom.core.maps.dispatch` (maps requested by name, several from one search).
They check arguments and turn a SOM plus data into the tensors that the kernels of
:mod:`torchsom.functional.maps` work on.

Map types
---------
``hit``
    Samples per neuron, float32 (x, y); 0 for unused neurons.
``distance``
    U-matrix: each neuron's feature distance to its grid neighbours (odd-r hexagonal
    neighbours on hexagonal grids, wrapped when ``pbc`` is on), "sum" or "mean" of them,
    divided by the map's maximum so values lie in [0, 1].
``bmus_data``
    Which samples each neuron won, see :class:`BMUMap`.
``metric``
    A statistic of the target per neuron (``reduction_parameter``, default "mean").
``score``
    ``std / sqrt(n) · ln(total_samples / n)`` per neuron (lower is better).
``rank``
    Neurons ranked by the standard deviation of their target; rank 1 = largest.
``classification``
    Majority label per neuron with a deterministic tie-break.

Every statistics map is (x, y) with NaN for neurons that hold no sample. The ``metric``
and ``classification`` maps carry target values, so they keep them exactly: they are
float32 when the target's dtype fits in float32 (float32, float16, bfloat16, int8,
uint8, int16) and float64 otherwise (float64 and wider integer targets, e.g. Python or
numpy ints); integer labels beyond ±2**53 are refused with a ``ValueError``. The
``score`` and ``rank`` maps are float32.

See :mod:`torchsom.core.maps.bmu_map` for the two forms of the ``bmus_data`` map.
"""

from torchsom.core.maps.bmu_map import BMUMap, bmu_assignment
from torchsom.core.maps.builders import (
    MAP_FUNCTIONS,
    build_bmus_data_map,
    build_classification_map,
    build_distance_map,
    build_hit_map,
    build_metric_map,
    build_rank_map,
    build_score_map,
)
from torchsom.core.maps.dispatch import (
    MAP_TYPES,
    SUPERVISED_MAP_TYPES,
    build_map,
    build_multiple_maps,
)

__all__ = [
    "BMUMap",
    "MAP_TYPES",
    "SUPERVISED_MAP_TYPES",
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
]
