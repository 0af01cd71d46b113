"""The report's figures: which are drawn, and that each is a PNG of the stated size."""

from __future__ import annotations

import io

import numpy as np
import pytest

from torchsom.cli.analysis import best_units
from torchsom.cli.report_figures import ReportInputs, report_figures
from torchsom.cli.training import train_model
from torchsom.visualization import VisualizationConfig


def _inputs(x: int = 4, y: int = 5, epochs: int = 3, target=None) -> ReportInputs:
    rng = np.random.default_rng(0)
    raw = np.concatenate([rng.normal(0, 1, (20, 3)), rng.normal(6, 1, (20, 3))])
    model = train_model(raw, ["a", "b", "c"], {"x": x, "y": y, "epochs": epochs,
                                               "device": "cpu"}, "standard", verbose=False)
    scaled = model.scaler.transform(raw)
    bmus, _ = best_units(model.som, scaled)
    return ReportInputs(model, raw, scaled, bmus, target, None if target is None else "t")


def _pixels(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.size


@pytest.mark.parametrize("target", [None, "classes", "values"])
def test_figures_in_page_order(target) -> None:
    values = {None: None, "classes": np.array(["p", "q"] * 20, dtype=object),
              "values": np.linspace(0, 1, 40)}[target]
    figures = list(report_figures(_inputs(target=values), VisualizationConfig(dpi=40)))
    keys = [f.key for f in figures]
    expected = ["training", "umatrix", "hits", "target", "planes", "elbow", "clusters",
                "silhouette"]
    if target is None:
        expected.remove("target")
    assert keys == expected
    for figure in figures:
        assert figure.png.startswith(b"\x89PNG") and _pixels(figure.png) == figure.size


def test_tiny_map_without_history_has_only_the_maps() -> None:
    inputs = _inputs(x=1, y=3, epochs=1)
    inputs.model.som.quantization_errors_ = []
    keys = [f.key for f in report_figures(inputs, VisualizationConfig(dpi=30))]
    assert keys == ["umatrix", "hits", "planes"]


def test_resolution_follows_dpi() -> None:
    inputs = _inputs()
    low = next(report_figures(inputs, VisualizationConfig(dpi=50)))
    high = next(report_figures(inputs, VisualizationConfig(dpi=100)))
    assert high.size[0] == pytest.approx(2 * low.size[0], abs=1)
