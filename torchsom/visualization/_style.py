"""Local styling: a context manager for rcParams and colormap lookup.

Nothing here changes matplotlib's global state: settings apply only inside
:func:`style_context`, and colormaps are copies from ``matplotlib.colormaps``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.colors import Colormap, ListedColormap, to_rgba

from torchsom.visualization.config import VisualizationConfig

__all__ = ["style_context", "get_cmap", "label_colors", "NOISE_COLOR", "contrast_text_color"]

#: colour of HDBSCAN noise neurons in cluster maps
NOISE_COLOR = (0.7, 0.7, 0.7, 1.0)


def _rc(config: VisualizationConfig) -> dict[str, Any]:
    size = config.fontsize
    weight = config.fontweight
    return {
        "axes.titlesize": size.get("title", 16),
        "axes.titleweight": weight.get("title", "bold"),
        "figure.titlesize": size.get("title", 16),
        "figure.titleweight": weight.get("title", "bold"),
        "axes.labelsize": size.get("axis", 13),
        "axes.labelweight": weight.get("axis", "normal"),
        "legend.fontsize": size.get("legend", 11),
        "grid.alpha": config.grid_alpha,
        "grid.linestyle": "--",
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "lines.linewidth": 1.5,
    }


@contextmanager
def style_context(config: VisualizationConfig | None = None) -> Iterator[None]:
    """Apply the config's fonts and colours to figures made inside the ``with`` block.

    The previous rcParams are restored on exit (it wraps ``matplotlib.rc_context``).
    """
    with mpl.rc_context(_rc(config or VisualizationConfig())):
        yield


def get_cmap(cmap: str | Colormap | None, default: str = "viridis") -> Colormap:
    """A copy of the named colormap (``matplotlib.colormaps[...]``), or ``cmap`` itself.

    Raises
    ------
    ValueError
        For an unknown colormap name (the message lists a few valid ones).
    """
    if isinstance(cmap, Colormap):
        return cmap
    name = default if cmap is None else cmap
    try:
        return mpl.colormaps[name]
    except KeyError:
        known = ", ".join(sorted(mpl.colormaps)[:8])
        raise ValueError(
            f"cmap={name!r} is not a matplotlib colormap; expected a name such as {known}, …"
        ) from None


def label_colors(n: int) -> ListedColormap:
    """``n`` distinct colours for categorical maps: tab10, tab20, then sampled viridis."""
    if n <= 10:
        colors = mpl.colormaps["tab10"].colors[:max(n, 1)]
    elif n <= 20:
        colors = mpl.colormaps["tab20"].colors[:n]
    else:
        colors = mpl.colormaps["viridis"](np.linspace(0, 1, n))
    return ListedColormap(colors)


def contrast_text_color(rgba: Any) -> str:
    """Black or white, whichever reads better on ``rgba``."""
    r, g, b, _ = to_rgba(rgba)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.5 else "white"
