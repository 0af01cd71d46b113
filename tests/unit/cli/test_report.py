"""The HTML page and the report folder."""

from __future__ import annotations

import numpy as np
import pytest

from torchsom.cli.report import render_html, write_report
from torchsom.cli.report_figures import ReportFigure
from torchsom.cli.tables import Table
from torchsom.cli.training import train_model


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    raw = np.concatenate([rng.normal(0, 1, (20, 2)), rng.normal(6, 1, (20, 2))])
    target = np.concatenate([np.zeros(20), np.ones(20) * 3.5]) + rng.normal(0, 0.1, 40)
    model = train_model(raw, ["a<b", "c & d"], {"x": 3, "y": 4, "epochs": 3,
                                                "device": "cpu"}, "minmax", target=target,
                        target_name="y", verbose=False)
    return model, raw, target


def _table(tmp_path, raw, target) -> Table:
    return Table(tmp_path / "data.csv", ["a<b", "c & d", "y"],
                 {"a<b": raw[:, 0], "c & d": raw[:, 1], "y": target})


def test_report_of_a_numeric_target(trained, tmp_path) -> None:
    model, raw, target = trained
    page = write_report(model, _table(tmp_path, raw, target), tmp_path / "r",
                        model_name="m.som", dpi=30, quiet=True)
    html = page.read_text()
    assert "a&lt;b" in html and "c &amp; d" in html and "a<b" not in html
    assert "y: mean absolute error of the prediction" in html
    assert 'alt="Target: y"' in html
    assert "<th>feature</th>" in html and html.count("cluster 1</th>") == 1
    rows = (tmp_path / "r" / "rows.csv").read_text().splitlines()
    assert rows[0] == "row,bmu_row,bmu_col,distance,cluster,prediction,y" and len(rows) == 41


def test_report_without_the_target_column(trained, tmp_path) -> None:
    model, raw, _ = trained
    table = Table(tmp_path / "d.csv", ["a<b", "c & d"], {"a<b": raw[:, 0], "c & d": raw[:, 1]})
    write_report(model, table, tmp_path / "r", dpi=30, quiet=True)
    html = (tmp_path / "r" / "index.html").read_text()
    assert "Target:" not in html and "accuracy" not in html
    assert (tmp_path / "r" / "rows.csv").read_text().splitlines()[0] == (
        "row,bmu_row,bmu_col,distance,cluster,prediction")


def test_render_html_shows_any_dict_of_measures(trained) -> None:
    model, _, _ = trained
    figure = ReportFigure("umatrix", "U-matrix", "caption <b>", b"\x89PNG", (10, 20))
    context = {"model": model, "model_name": "m", "data_name": "d.csv", "n_rows": 1234,
               "version": "9.9", "measures": {"my measure": 0.5, "count": 3,
                                              "undefined": float("nan")},
               "settings": {"x": 3}, "data_facts": {"rows": 1234}, "row_columns": ["row"],
               "clusters": [], "overall": {}}
    html = render_html(context, [figure])
    assert "<th>my measure</th><td>0.5</td>" in html and "<td>3</td>" in html
    assert "<th>undefined</th><td>–</td>" in html and "1,234 rows" in html
    assert 'width="10" height="20"' in html and "caption &lt;b&gt;" in html
    assert "too small to be clustered" in html and 'id="training"' not in html
