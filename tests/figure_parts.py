"""Reading back what a figure drew: the cell collection and the colour bar's labels."""

from __future__ import annotations


def cells(ax):
    """The collection a map drew its cells into (gid ``"cells"``), after a draw."""
    (found,) = [c for c in ax.collections if c.get_gid() == "cells"]
    ax.figure.canvas.draw()
    return found


def colorbar_labels(ax):
    """Tick labels of the figure's colour bar (its last axes)."""
    bar = ax.figure.axes[-1]
    return [t.get_text() for t in bar.get_yticklabels()]
