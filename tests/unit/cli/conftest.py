"""Small data files and a trained model file for the command-line tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_fixtures import make_rows, run, write_csv  # noqa: E402


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli-data")
    write_csv(folder / "wines.csv", make_rows())
    write_csv(folder / "new.csv", make_rows(9, seed=1))
    return folder


@pytest.fixture(scope="session")
def model_file(data_dir) -> Path:
    """A 4×5 hexagonal map trained with ``--target kind`` on wines.csv."""
    path = data_dir / "wines.som"
    code, _, err = run("fit", str(data_dir / "wines.csv"), "--x", "4", "--y", "5",
                       "--epochs", "5", "--topology", "hexagonal", "--drop", "id,score",
                       "--target", "kind", "--out", str(path), "--quiet")
    assert code == 0, err
    return path
