"""Settings of ``torchsom fit``: flags over a TOML or YAML file over defaults."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from torchsom import suggest_map_size
from torchsom.cli.errors import CLIError
from torchsom.cli.main import build_parser
from torchsom.cli.settings import complete_map_settings, fit_settings, read_settings_file
from torchsom.exceptions import InvalidParameterError


def _args(*extra: str) -> argparse.Namespace:
    return build_parser().parse_args(["fit", "d.csv", "--out", "m.som", *extra])


def test_flags_then_file_then_defaults(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('x = 4\ny = 5\nsigma = 2.0\ncolumns = "a, b"\ntarget = "t"\n')
    som, data = fit_settings(_args("--config", str(path), "--x", "7", "--columns", "c",
                                   "--columns", "d,e"))
    assert (som["x"], som["y"], som["sigma"]) == (7, 5, 2.0)
    assert som["epochs"] == 10 and som["initialization_mode"] == "pca"
    som, _ = fit_settings(_args("--x", "10", "--y", "22"))
    assert som["sigma"] is None  # max(x, y) / 4 unless given, set with the size
    assert complete_map_settings(som, np.zeros((5, 2)))["sigma"] == 5.5
    assert fit_settings(_args("--x", "10", "--y", "22", "--sigma", "1"))[0]["sigma"] == 1.0
    assert data == {"columns": ["c", "d", "e"], "drop": [], "target": "t",
                    "scale": "standard"}


def test_yaml_files(tmp_path) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "s.yaml"
    path.write_text("x: 3\ny: 3\ntopology: hexagonal\ndrop: [id]\n")
    som, data = fit_settings(_args("--config", str(path)))
    assert som["topology"] == "hexagonal" and data["drop"] == ["id"]
    (tmp_path / "empty.yml").write_text("")
    assert read_settings_file(tmp_path / "empty.yml") == {}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("s.toml", "x = \n", "cannot be parsed"),
        ("s.toml", "sigmaa = 1\n", "unknown setting 'sigmaa'. Did you mean 'sigma'?"),
        ("s.toml", "[x]\ny = 1\n", "setting 'x' must be a value, not a table"),
        ("s.toml", "drop = [1, 2]\n", "drop must be a list of column names"),
        ("s.yaml", "- 1\n- 2\n", "must be a table of settings"),
        ("s.ini", "x=1", "expected a .toml, .yaml or .yml file"),
    ],
)
def test_bad_settings_files(tmp_path, name, text, message) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(CLIError, match=message):
        read_settings_file(tmp_path / name)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(CLIError, match="no such file"):
        read_settings_file(tmp_path / "none.toml")


def test_a_size_given_nowhere_is_left_for_the_data(tmp_path) -> None:
    som, _ = fit_settings(_args("--x", "3"))
    assert (som["x"], som["y"], som["sigma"]) == (3, None, None)
    path = tmp_path / "s.toml"
    path.write_text("y = 4\n")
    som, _ = fit_settings(_args("--config", str(path)))
    assert (som["x"], som["y"]) == (None, 4)


def test_complete_map_settings_chooses_the_sides_left_out() -> None:
    rng = np.random.default_rng(0)
    long = rng.normal(size=(300, 3)) * [5.0, 1.0, 0.5]
    settings = {"x": None, "y": None, "sigma": None, "topology": "rectangular",
                "pbc": False, "epochs": 3}
    filled = complete_map_settings(settings, long)
    assert (filled["x"], filled["y"]) == suggest_map_size(long) == (22, 5)
    assert filled["sigma"] == 5.5 and filled["epochs"] == 3  # a quarter of the larger side
    assert settings["x"] is None  # a copy: the settings themselves are left alone
    hexagonal = complete_map_settings({**settings, "topology": "hexagonal", "pbc": True},
                                      long)
    assert (hexagonal["x"], hexagonal["y"]) == suggest_map_size(long, "hexagonal", pbc=True)
    one_side = complete_map_settings({**settings, "y": 4, "sigma": 2.0}, long)
    units = 5 * 300**0.54321  # 110.8 neurons for 300 rows
    assert (one_side["x"], one_side["y"], one_side["sigma"]) == (round(units / 4), 4, 2.0)
    with pytest.raises(InvalidParameterError, match="x must be an int >= 1, or None"):
        complete_map_settings({**settings, "x": 0}, long)


def test_yaml_without_pyyaml_says_which_extra(tmp_path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "yaml", None)
    (tmp_path / "s.yaml").write_text("x: 3\n")
    with pytest.raises(ImportError, match=r"Reading YAML settings files .*torchsom\[yaml\]"):
        read_settings_file(tmp_path / "s.yaml")
