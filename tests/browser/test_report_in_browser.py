"""The HTML report, opened in headless Chromium: every image loads, the console is clean.

``make browser-check`` (run by CI after ``make test``) installs Chromium from Debian's
packages when it is missing and runs this file with ``TORCHSOM_BROWSER_CHECK=1``; without
that variable (a plain ``make test``) the tests are skipped, so they run once. The
screenshot of the page is kept at ``build/browser-check/report.png`` (``build/`` is not
committed).
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chromium import check_page, find_chromium  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "browser-check"


@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser; these tests run under ``make browser-check`` (CI calls it)."""
    if os.environ.get("TORCHSOM_BROWSER_CHECK") != "1":
        pytest.skip("the browser check runs with 'make browser-check'")
    binary = find_chromium()
    if binary is None:
        pytest.fail("no chromium binary; 'make chromium' installs it")
    return binary


def _wine_csv(path: Path) -> Path:
    """The 178 wines of scikit-learn's data set: 13 named features and the cultivar."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *wine.feature_names, "cultivar"])
        for i, (row, label) in enumerate(zip(wine.data, wine.target)):
            writer.writerow([i, *row.tolist(), f"cultivar_{label}"])
    return path


def _cli(*argv: str) -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "torchsom", *argv, "--quiet"],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr


def test_report_loads_in_chromium(chromium, tmp_path) -> None:
    data = _wine_csv(tmp_path / "wine.csv")
    model = tmp_path / "wine.som"
    report = BUILD / "report"
    BUILD.mkdir(parents=True, exist_ok=True)
    _cli("fit", str(data), "--x", "10", "--y", "12", "--epochs", "20", "--topology",
         "hexagonal", "--drop", "id", "--target", "cultivar", "--out", str(model))
    _cli("report", str(model), str(data), "--out", str(report))

    page = check_page(report / "index.html")
    (BUILD / "report.png").write_bytes(page.screenshot)

    assert page.title == "SOM report: wine.csv"
    assert len(page.images) == 8
    for image in page.images:
        assert image["complete"] and image["naturalWidth"] > 0, image
    assert page.errors == []
    from PIL import Image

    with Image.open(BUILD / "report.png") as shot:
        width, height = shot.size
        assert width == 1280 and height > 3000  # the whole page, not the first screen
        assert len(shot.getcolors(1 << 20) or range(1 << 20)) > 256  # not a blank page


def test_a_broken_page_is_caught(chromium, tmp_path) -> None:
    """The checker itself: a missing image and a console error are reported."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><head><title>t</title><link rel="icon" '
                    'href="data:,"></head><body><img src="missing.png" alt="gone">'
                    '<script>console.error("boom")</script></body></html>')
    result = check_page(page)
    assert result.images == [{"alt": "gone", "complete": True, "naturalWidth": 0,
                              "naturalHeight": 0}]
    assert any("boom" in e for e in result.errors)
    assert any("missing.png" in e for e in result.errors)
