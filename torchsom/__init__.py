"""torchsom: fast, scalable Self-Organizing Maps on PyTorch.

The package root loads lazily: ``import torchsom`` reads only the version, and each public
name (``torchsom.SOM``, ``from torchsom import SOMVisualizer``, ...) imports its module on
first use. torch is loaded with the training engine, matplotlib only with the plotting
classes (:class:`SOMVisualizer`, :class:`VisualizationConfig`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from torchsom.version import __version__

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from torchsom.core import SOM, BaseSOM
    from torchsom.functional.decay import DECAY_FUNCTIONS
    from torchsom.functional.distances import DISTANCE_FUNCTIONS
    from torchsom.functional.map_size import suggest_map_size
    from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
    from torchsom.visualization import SOMVisualizer, VisualizationConfig

__all__ = [
    "SOM",
    "BaseSOM",
    "SOMVisualizer",
    "VisualizationConfig",
    "DISTANCE_FUNCTIONS",
    "NEIGHBORHOOD_FUNCTIONS",
    "DECAY_FUNCTIONS",
    "suggest_map_size",
    "__version__",
]

# public name → module that defines it
_EXPORTS = {
    "SOM": "torchsom.core",
    "BaseSOM": "torchsom.core",
    "SOMVisualizer": "torchsom.visualization",
    "VisualizationConfig": "torchsom.visualization",
    "DISTANCE_FUNCTIONS": "torchsom.functional.distances",
    "NEIGHBORHOOD_FUNCTIONS": "torchsom.functional.neighborhood",
    "DECAY_FUNCTIONS": "torchsom.functional.decay",
    "suggest_map_size": "torchsom.functional.map_size",
}
_SUBPACKAGES = {
    "cli", "clustering", "configs", "core", "exceptions", "functional", "io", "jitl",
    "search", "topology", "utils", "visualization",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"torchsom.{name}")
    else:
        raise AttributeError(f"module 'torchsom' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)
