"""What happens to a figure once it is drawn: saved to a file, shown, or kept.

* ``save_path`` given: the figure is made outside pyplot (:func:`new_figure`), so it is
  never shown and holds no pyplot state, and :func:`save_figure` writes it to
  ``<folder>/<safe name>.<config.save_format>`` (folders created, ``dpi`` from the
  config, tight bounding box, white background).
* no ``save_path``, interactive backend (a notebook, IPython with a GUI backend,
  ``plt.ion()``): the figure is a normal pyplot figure and the backend shows it.
* no ``save_path``, GUI backend in a plain script, or a Jupyter notebook's inline
  backend: ``plt.show()`` is called, so figures appear in the order they are made. In a
  notebook the returned Figure is not displayed a second time by the cell that made it
  (it displays normally when shown again from a later cell).
* no ``save_path``, non-interactive backend (Agg, e.g. a script on a server): nothing
  can show the figure, so it stays open in pyplot and a
  :class:`~torchsom.exceptions.TorchSOMWarning` says how to keep it.

pyplot and IPython are imported only when a figure is shown.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from torchsom.exceptions import TorchSOMWarning
from torchsom.visualization._checks import check_save_path
from torchsom.visualization.config import VisualizationConfig

__all__ = ["finish_figure", "new_figure", "safe_file_name", "save_figure"]

_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def safe_file_name(name: str) -> str:
    """``name`` with every character other than letters, digits, ``.``, ``_`` and ``-``
    replaced by ``_`` (component names can hold ``/`` or spaces)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")
    return cleaned or "figure"


def _backend_is_interactive_capable() -> bool:
    backend = str(mpl.get_backend()).lower()
    return backend not in _NON_INTERACTIVE


class _ShownInCell:
    """``_ipython_display_`` of a figure a notebook cell already showed.

    IPython calls it when the Figure is the cell's result; it draws nothing in the cell
    that showed the figure, and displays the figure normally from any later cell.
    """

    def __init__(self, fig: Figure, execution_count: int) -> None:
        self.fig = fig
        self.execution_count = execution_count

    def __call__(self) -> None:
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        if shell is not None and shell.execution_count == self.execution_count:
            return
        del self.fig._ipython_display_
        try:
            display(self.fig)
        finally:
            self.fig._ipython_display_ = self


def _skip_repeat_in_this_cell(fig: Figure) -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        fig._ipython_display_ = _ShownInCell(fig, shell.execution_count)


def new_figure(save_path: Any, figsize: tuple[float, float]) -> Figure:
    """An empty figure: outside pyplot when it will be saved, a pyplot figure otherwise.

    Raises
    ------
    TypeError
        If ``save_path`` is not None, a str or an os.PathLike.
    """
    check_save_path(save_path)
    if save_path:
        return Figure(figsize=figsize, layout="constrained")
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def save_figure(fig: Figure, folder: Path, fig_name: str, config: VisualizationConfig) -> Path:
    """Write ``fig`` to ``folder / <safe fig_name>.<config.save_format>``; return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    fmt = config.save_format
    target = folder / f"{safe_file_name(fig_name)}.{fmt}"
    fig.savefig(target, dpi=config.dpi, bbox_inches="tight", format=fmt, facecolor="white")
    return target


def finish_figure(fig: Figure, fig_name: str, save_path: Any, config: VisualizationConfig,
                  stacklevel: int = 2) -> Figure:
    """Save, show or keep a drawn figure (see the module documentation); return it.

    ``stacklevel`` is the warning's, counted from the caller of this function.
    """
    if save_path:
        save_figure(fig, Path(save_path), fig_name, config)
        return fig
    import matplotlib.pyplot as plt

    if not _backend_is_interactive_capable():
        warnings.warn(
            f"figure {fig_name!r} was neither saved nor shown: matplotlib's backend "
            f"{mpl.get_backend()!r} cannot display figures. It stays open in pyplot and "
            "is returned; keep it with fig.savefig(...) or pass save_path=..., and free "
            "it with plt.close(fig).",
            TorchSOMWarning,
            stacklevel=stacklevel + 1,
        )
    elif "inline" in str(mpl.get_backend()).lower():
        # a notebook: show it now, in order, and not again as the cell's result
        plt.show()
        _skip_repeat_in_this_cell(fig)
    elif not mpl.is_interactive():
        plt.show()
    return fig
