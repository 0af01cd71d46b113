"""What happens to a drawn figure: saved, shown, kept with a warning, shown once per cell."""

from __future__ import annotations

import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from torchsom.exceptions import TorchSOMWarning
from torchsom.visualization import _display
from torchsom.visualization._display import (
    finish_figure,
    new_figure,
    safe_file_name,
    save_figure,
)
from torchsom.visualization.config import VisualizationConfig

CONFIG = VisualizationConfig(dpi=20)


def test_safe_file_name() -> None:
    assert safe_file_name("a b/c:d") == "a_b_c_d"
    assert safe_file_name("../..") == "figure"
    assert _display._backend_is_interactive_capable() is False  # tests run on Agg


def test_a_figure_to_save_stays_out_of_pyplot(tmp_path) -> None:
    before = plt.get_fignums()
    fig = new_figure(tmp_path, (2.0, 2.0))
    assert plt.get_fignums() == before
    fig.add_subplot().plot([0, 1])
    assert finish_figure(fig, "a/b", tmp_path / "out", CONFIG) is fig
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a_b.png"]


def test_save_figure_writes_the_configured_format(tmp_path) -> None:
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    target = save_figure(fig, tmp_path / "deep", "plot", VisualizationConfig(save_format="svg"))
    assert target == tmp_path / "deep" / "plot.svg"
    assert target.read_text().lstrip().startswith("<?xml")


def test_new_figure_refuses_a_bad_save_path() -> None:
    with pytest.raises(TypeError, match="save_path"):
        new_figure(3, (2.0, 2.0))


def _caller_of_finish(fig):
    return finish_figure(fig, "kept", None, CONFIG, stacklevel=2)


def test_unsaved_figure_on_agg_stays_open_with_a_warning_at_the_callers_line() -> None:
    fig = new_figure(None, (2.0, 2.0))
    with pytest.warns(TorchSOMWarning, match="'kept' was neither saved nor shown") as record:
        _caller_of_finish(fig)
    assert fig.number in plt.get_fignums()
    assert record[0].filename == __file__  # stacklevel=2: the line that called the caller
    plt.close(fig)


def test_gui_backend_in_a_script_calls_show(monkeypatch) -> None:
    shown = []
    monkeypatch.setattr(mpl, "get_backend", lambda: "TkAgg")
    monkeypatch.setattr(mpl, "is_interactive", lambda: False)
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(True))
    fig = new_figure(None, (2.0, 2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        finish_figure(fig, "f", None, CONFIG)
    assert shown == [True]
    plt.close(fig)


def test_interactive_gui_backend_leaves_showing_to_matplotlib(monkeypatch) -> None:
    monkeypatch.setattr(mpl, "get_backend", lambda: "QtAgg")
    monkeypatch.setattr(mpl, "is_interactive", lambda: True)
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("show called"))
    fig = new_figure(None, (2.0, 2.0))
    assert finish_figure(fig, "f", None, CONFIG) is fig
    plt.close(fig)


class _Shell:
    execution_count = 7


def test_notebook_figure_is_shown_once_per_cell(monkeypatch) -> None:
    import IPython
    import IPython.display

    shell = _Shell()
    displayed = []
    monkeypatch.setattr(mpl, "get_backend",
                        lambda: "module://matplotlib_inline.backend_inline")
    monkeypatch.setattr(plt, "show", lambda *a, **k: displayed.append("show"))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(IPython.display, "display", lambda obj: displayed.append(obj))
    fig = finish_figure(new_figure(None, (2.0, 2.0)), "f", None, CONFIG)
    assert displayed == ["show"]
    fig._ipython_display_()          # the same cell returns the figure: nothing more
    assert displayed == ["show"]
    shell.execution_count = 8        # a later cell shows it: displayed normally
    fig._ipython_display_()
    assert displayed == ["show", fig]
    assert callable(fig._ipython_display_)
    plt.close(fig)


def test_notebook_hook_needs_a_shell(monkeypatch) -> None:
    import IPython

    monkeypatch.setattr(mpl, "get_backend", lambda: "module://matplotlib_inline.backend_inline")
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    fig = finish_figure(new_figure(None, (2.0, 2.0)), "f", None, CONFIG)
    assert "_ipython_display_" not in vars(fig)
    plt.close(fig)
