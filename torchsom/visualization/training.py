"""Training curves: quantization and topographic error per epoch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from torchsom.visualization._checks import check_curve
from torchsom.visualization.config import VisualizationConfig

__all__ = ["plot_training_errors"]


def plot_training_errors(
    quantization_errors: Any,
    topographic_errors: Any,
    *,
    ax: Sequence[Axes] | None = None,
    config: VisualizationConfig | None = None,
) -> Sequence[Axes]:
    """Plot both training errors against the epoch, on two stacked axes.

    Parameters
    ----------
    quantization_errors : sequence of float or tensor
        Per-epoch quantization error, as returned by :meth:`torchsom.SOM.fit`.
    topographic_errors : sequence of float or tensor
        Per-epoch topographic error **in percent**, as returned by ``fit``.
    ax : pair of matplotlib.axes.Axes, optional
        Upper (QE) and lower (TE) axes; a new figure with two stacked axes when None.
    config : VisualizationConfig, optional
        Appearance.

    Returns
    -------
    pair of matplotlib.axes.Axes
        The QE and TE axes.
    """
    config = config or VisualizationConfig()
    qe = check_curve(quantization_errors, "quantization_errors")
    te = check_curve(topographic_errors, "topographic_errors")
    if ax is None:
        import matplotlib.pyplot as plt

        _, created = plt.subplots(2, 1, sharex=True, figsize=config.figsize,
                                  layout="constrained")
        axes = list(created)
    else:
        axes = list(ax)
        if len(axes) != 2:
            raise ValueError(f"ax must be a pair of Axes (QE, TE); got {len(axes)}.")
    top, bottom = axes
    top.plot(np.arange(qe.size), qe, color="tab:blue", label="Quantization error")
    top.set_ylabel("Quantization error")
    top.set_title("Training errors")
    bottom.plot(np.arange(te.size), te, color="tab:orange", label="Topographic error")
    bottom.set_ylabel("Topographic error (%)")
    bottom.set_xlabel("Epoch")
    for axis in axes:
        axis.grid(True, alpha=config.grid_alpha, linestyle="--")
        axis.legend(loc="best")
        axis.margins(x=0.01)
    return axes
