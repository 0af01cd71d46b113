"""The clustering notebook: built by its script, equal to the tutorial, and it runs."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "clustering.ipynb"
BUILDER = ROOT / "docs" / "scripts" / "build_clustering_notebook.py"
RENDERER = ROOT / "docs" / "scripts" / "render_notebook.py"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code(notebook) -> list[str]:
    return [c.source.strip() for c in notebook.cells if c.cell_type == "code"]


def test_committed_notebook_is_what_the_builder_writes() -> None:
    committed = nbformat.read(NOTEBOOK, as_version=4)
    built = _load(BUILDER).build()
    assert [(c.cell_type, c.source) for c in committed.cells] == [
        (c.cell_type, c.source) for c in built.cells]
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")


def test_notebook_code_is_the_tutorial_code() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "acceptance"))
    try:
        from tutorial_reader import find_tutorial, parse_tutorial
    finally:
        sys.path.pop(0)
    tutorial = find_tutorial(ROOT)
    if tutorial is None:
        pytest.skip("tutorial text not found in ../shared/seed/")
    steps = parse_tutorial(tutorial.read_text(encoding="utf-8"))

    def squash(text: str) -> str:
        return re.sub(r"\n\s*\n", "\n", text.strip())

    expected = [squash(s.code) for s in steps if s.lines]
    assert [squash(c) for c in _code(nbformat.read(NOTEBOOK, as_version=4))] == expected


@pytest.fixture(scope="module")
def executed():
    return _load(RENDERER).execute(NOTEBOOK, timeout=600)


def test_notebook_runs_and_shows_each_figure_once(executed) -> None:
    images = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            if "image/png" in output.get("data", {}):
                images.append(output["data"]["image/png"])
    assert len(images) == 8
    assert len(set(images)) == 8  # no figure is displayed twice


def test_render_writes_a_page_with_its_figures(executed, tmp_path) -> None:
    page = tmp_path / "clustering.md"
    figures = _load(RENDERER).render(executed, page, "notebooks/clustering.ipynb")
    text = page.read_text()
    assert len(figures) == 8
    assert all(f.stat().st_size < 200_000 for f in figures)
    assert text.count("```python") == 8
    assert "![Blobs elbow analysis](clustering_files/figure-05.png)" in text
    assert "## 8. Compare algorithms" in text


def test_large_png_is_shrunk_below_the_limit() -> None:
    import io

    import numpy as np
    from PIL import Image

    noise = (np.random.default_rng(0).random((700, 700, 3)) * 255).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG")
    assert buffer.tell() > 200_000
    small = _load(RENDERER)._small_png(buffer.getvalue())
    assert len(small) <= 200_000 or Image.open(io.BytesIO(small)).width < 400
