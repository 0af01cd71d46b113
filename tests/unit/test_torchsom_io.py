"""torchsom.io, the public face of saving and loading, and its place in the import graph."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import torchsom.io as som_io
from torchsom import SOM
from torchsom.core import container, persistence

PACKAGE = Path(som_io.__file__).resolve().parent


class OtherSOM(SOM):
    """A subclass, to see that ``cls`` is honoured."""


def test_public_names_come_from_the_container_and_the_schema() -> None:
    assert set(som_io.__all__) == {"FORMAT_NAME", "FORMAT_VERSION", "SOMFileError",
                                   "save_som", "load_som", "read_metadata", "read_entries"}
    assert som_io.save_som is persistence.save_som
    assert som_io.read_metadata is persistence.read_metadata
    assert som_io.read_entries is container.read_entries
    assert som_io.SOMFileError is container.SOMFileError


def test_load_som_builds_a_som_unless_told_otherwise(tmp_path) -> None:
    som = SOM(2, 3, 2, device="cpu", search_backend="torch")
    path = tmp_path / "m.som"
    som_io.save_som(som, path)
    assert type(som_io.load_som(path)) is SOM
    other = som_io.load_som(path, map_location="cpu", cls=OtherSOM)
    assert type(other) is OtherSOM and torch.equal(other.weights, som.weights)
    assert type(OtherSOM.load(path)) is OtherSOM


@pytest.mark.parametrize("first", ["torchsom.io", "torchsom.core.persistence",
                                   "torchsom.core.container", "torchsom.core.som"])
def test_each_module_imports_first_in_a_fresh_process(first) -> None:
    code = f"import {first}; import torchsom.io as io; print(io.load_som.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "torchsom.io"


def _function_body_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                        "torchsom"):
                    names = ",".join(a.name for a in inner.names)
                    found.append(f"{path.name}:{inner.lineno} {inner.module}:{names}")
                elif isinstance(inner, ast.Import):
                    found += [f"{path.name}:{inner.lineno} {a.name}" for a in inner.names
                              if a.name.startswith("torchsom")]
    return found


def test_som_and_its_files_import_each_other_only_at_module_top() -> None:
    modules = [PACKAGE / "io.py", PACKAGE / "core" / "som.py",
               PACKAGE / "core" / "persistence.py", PACKAGE / "core" / "container.py",
               PACKAGE / "core" / "scaling.py"]
    problems = [hit for path in modules for hit in _function_body_imports(path)
                if not hit.endswith("torchsom.core:clustering")]  # SOM.cluster: sklearn
    assert problems == []


def test_load_som_defaults_to_the_som_class(tmp_path) -> None:
    som = SOM(2, 3, 3, sigma=1.7, device="cpu")
    som_io.save_som(som, tmp_path / "m.som")
    loaded = som_io.load_som(tmp_path / "m.som")
    assert type(loaded) is SOM and torch.equal(loaded.weights, som.weights)
    assert loaded.sigma == 1.7
