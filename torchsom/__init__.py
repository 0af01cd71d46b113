"""torchsom: fast, scalable Self-Organizing Maps on PyTorch.

``import torchsom`` loads the training engine only; the plotting classes
(:class:`SOMVisualizer`, :class:`VisualizationConfig`) import matplotlib on first use.
"""

from __future__ import annotations

from typing import Any

from torchsom.core import SOM, BaseSOM
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.version import __version__

__all__ = [
    "SOM",
    "BaseSOM",
    "SOMVisualizer",
    "VisualizationConfig",
    "DISTANCE_FUNCTIONS",
    "NEIGHBORHOOD_FUNCTIONS",
    "DECAY_FUNCTIONS",
    "__version__",
]

_LAZY = {"SOMVisualizer", "VisualizationConfig"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from torchsom import visualization

        return getattr(visualization, name)
    raise AttributeError(f"module 'torchsom' has no attribute {name!r}")
