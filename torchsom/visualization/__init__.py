"""Plots of trained maps (the only part of torchsom that imports matplotlib).

* :class:`SOMVisualizer`: one object with a ``plot_*`` method per plot; each returns
  its Figure and can save it (see :mod:`torchsom.visualization.visualizer` for what
  happens to figures in scripts and notebooks).
* Axes-level functions in :mod:`~torchsom.visualization.maps`,
  :mod:`~torchsom.visualization.training` and :mod:`~torchsom.visualization.clustering`:
  they draw into a given ``ax`` and return it.

``BaseVisualizer``, ``RectangularVisualizer``, ``HexagonalVisualizer`` and
``ClusteringVisualizer`` are older names of :class:`SOMVisualizer`, which handles every
topology and the cluster plots itself.
"""

from torchsom.visualization.config import VisualizationConfig
from torchsom.visualization.visualizer import SOMVisualizer

BaseVisualizer = SOMVisualizer
RectangularVisualizer = SOMVisualizer
HexagonalVisualizer = SOMVisualizer
ClusteringVisualizer = SOMVisualizer

__all__ = [
    "SOMVisualizer",
    "VisualizationConfig",
    "BaseVisualizer",
    "RectangularVisualizer",
    "HexagonalVisualizer",
    "ClusteringVisualizer",
]
