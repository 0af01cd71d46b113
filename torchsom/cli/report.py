"""The HTML report: one self-contained ``index.html`` (figures inline) and ``rows.csv``.

The page needs no network and no script: figures are PNG data URIs, styles are inline.
It shows the quality measures, the settings, the training curves, the U-matrix, the hit
map, the target map (when there is a target), the component planes with the feature
names, the elbow, cluster map and silhouette, and the cluster table with the feature
means of each cluster in the data's units. ``rows.csv`` has one line per data row: its
best-matching neuron, the distance to it, its cluster (and prediction).
"""

from __future__ import annotations

import base64
import html
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from torchsom.cli.analysis import best_units, cluster_table, quality_measures, row_results
from torchsom.cli.errors import atomic_file, check_writable_folder, staged_folder
from torchsom.cli.model_file import FittedModel, class_names
from torchsom.cli.report_figures import ReportFigure, ReportInputs, report_figures

__all__ = ["write_report", "render_html"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;
margin:0;color:#1d232b;background:#f5f6f8;line-height:1.45}
header{background:#1f3a5f;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem}header p{margin:0;opacity:.9}
nav{margin-top:.7rem}nav a{color:#cfe0ff;margin-right:1rem;text-decoration:none}
main{max-width:1280px;margin:0 auto;padding:1rem 2rem 3rem}
section{background:#fff;border-radius:8px;padding:1rem 1.4rem;margin:1.2rem 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{margin-top:.2rem;font-size:1.25rem;border-bottom:1px solid #e3e6ea;padding-bottom:.3rem}
figure{margin:.8rem 0}figure img{max-width:100%;height:auto;display:block}
figcaption{color:#555;font-size:.92rem;margin-top:.3rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
table{border-collapse:collapse;font-size:.92rem;margin:.5rem 0}
th,td{border-bottom:1px solid #e3e6ea;padding:.25rem .7rem;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}.kv th{font-weight:600;color:#333}
footer{color:#777;font-size:.85rem;text-align:center;padding:1rem}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return "–" if not math.isfinite(float(value)) else f"{float(value):.4g}"
    return _esc(value)


def _kv_table(rows: Iterable[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_num(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _figure(fig: ReportFigure) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    width, height = fig.size
    return (f'<figure id="fig-{fig.key}"><img src="data:image/png;base64,{data}" '
            f'alt="{_esc(fig.title)}" width="{width}" height="{height}">'
            f"<figcaption><strong>{_esc(fig.title)}.</strong> {_esc(fig.caption)}"
            "</figcaption></figure>")


def _cluster_html(clusters: list[dict[str, Any]], names: list[str],
                  overall: Mapping[str, float]) -> str:
    """Cluster sizes and silhouettes, then feature means: one row per feature, one column
    per cluster (readable with many features and a handful of clusters)."""
    if not clusters:
        return "<p>The map is too small to be clustered.</p>"
    head = "".join(f'<th class="num">{_esc(h)}</th>'
                   for h in ("cluster", "neurons", "rows", "share", "silhouette"))
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{v}</td>' for v in (
            _num(c["cluster"]), _num(c["neurons"]), _num(c["rows"]),
            f"{100 * c['share']:.1f}%", _num(c["silhouette"]))) + "</tr>"
        for c in clusters)
    sizes = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    head = "<th>feature</th>" + "".join(
        f'<th class="num">cluster {_num(c["cluster"])}</th>' for c in clusters) + \
        '<th class="num">all rows</th>'
    body = "".join(
        f"<tr><th>{_esc(name)}</th>"
        + "".join(f'<td class="num">{_num(c["means"][name])}</td>' for c in clusters)
        + f'<td class="num">{_num(overall[name])}</td></tr>' for name in names)
    means = (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}'
             "</tbody></table></div>")
    return (f"{sizes}<h3>Feature means by cluster, in the data's units</h3>"
            "<p>Mean of each feature over the rows whose best-matching neuron is in the "
            f"cluster.</p>{means}")


def render_html(context: Mapping[str, Any], figures: list[ReportFigure]) -> str:
    """The page, from the report's ``context`` (see :func:`write_report`) and figures."""
    by_key = {f.key: f for f in figures}
    som = context["model"].som
    names = context["model"].feature_names

    def figs(*keys: str) -> str:
        shown = [_figure(by_key[k]) for k in keys if k in by_key]
        return f'<div class="grid">{"".join(shown)}</div>' if len(shown) > 1 else "".join(shown)

    sections = [
        ("quality", "Quality", _kv_table(context["measures"].items())
         + "<p>Measured on the report's data, scaled as in training (see "
           "<code>SOM.evaluate</code>): quantization error and distortion, lower is "
           "better; topographic error, lower is better; trustworthiness, continuity, "
           "neighborhood preservation and explained variance, higher is better (at most "
           "1); topographic product, closer to 0 is better.</p>"),
        ("settings", "Settings", '<div class="grid"><div><h3>Map</h3>'
         + _kv_table(context["settings"].items()) + "</div><div><h3>Data</h3>"
         + _kv_table(context["data_facts"].items()) + "</div></div>"),
    ]
    if "training" in by_key:
        sections.append(("training", "Training", figs("training")))
    sections.append(("maps", "Maps", figs("umatrix", "hits", "target")))
    sections.append(("planes", "Component planes", figs("planes")))
    sections.append(("clusters", "Clusters", figs("elbow", "clusters", "silhouette")
                     + "<h3>Cluster sizes</h3><p>Rows: data rows whose best-matching "
                       "neuron is in the cluster. Silhouette: mean over the cluster's "
                       "neurons (1 is best).</p>"
                     + _cluster_html(context["clusters"], names, context["overall"])))
    columns = ", ".join(f"<code>{_esc(c)}</code>" for c in context["row_columns"])
    sections.append(("rows", "Per-row results",
                     f'<p><a href="rows.csv">rows.csv</a> has one line per data row '
                     f"({_num(context['n_rows'])} rows) with the columns {columns}: the "
                     "row number (from 0), the grid position of its best-matching neuron, "
                     "the distance to that neuron, its cluster"
                     + (" and the model's prediction" if "prediction" in
                        context["row_columns"] else "") + ".</p>"))
    nav = "".join(f'<a href="#{key}">{_esc(title)}</a>' for key, title, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{_esc(title)}</h2>{content}</section>'
                   for key, title, content in sections)
    lead = (f"{_esc(context['data_name'])}: {_num(context['n_rows'])} rows, "
            f"{len(names)} features, {som.x}×{som.y} {_esc(som.topology)} map "
            f"(model {_esc(context['model_name'])})")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>SOM report: {_esc(context['data_name'])}</title>"
        f'<link rel="icon" href="data:,"><style>{_CSS}</style></head><body>'
        f"<header><h1>Self-organizing map report</h1><p>{lead}</p><nav>{nav}</nav>"
        f"</header><main>{body}</main><footer>Written by torchsom "
        f"{_esc(context['version'])}.</footer></body></html>\n"
    )


def _settings(model: FittedModel) -> dict[str, Any]:
    params = model.som.get_params()
    shown = {k: (v if isinstance(v, (int, float, str, bool)) or v is None else
                 getattr(v, "__name__", str(v))) for k, v in params.items()}
    shown["epochs trained"] = model.som.epochs_trained_
    return shown


def write_report(
    model: FittedModel,
    table: Any,
    out: Path,
    *,
    target_name: str | None = None,
    model_name: str = "",
    dpi: int = 100,
    quiet: bool = False,
) -> Path:
    """Write ``index.html`` and ``rows.csv`` for ``model`` on ``table`` into ``out``.

    Everything is written to a temporary folder beside ``out`` first and moved in at
    the end, so a failure leaves ``out`` as it was.

    Parameters
    ----------
    model : FittedModel
    table : torchsom.cli.tables.Table
        The data (must hold the model's feature columns).
    out : Path
        The report folder (created if needed).
    target_name : str, optional
        Target column; defaults to the model's target when ``table`` has that column.
    model_name : str
        Shown in the header.
    dpi : int, default=100
        Resolution of the figures.
    quiet : bool, default=False
        No progress bar.

    Returns
    -------
    Path
        ``out / "index.html"``.
    """
    from tqdm.auto import tqdm

    from torchsom.cli.analysis import model_features
    from torchsom.cli.tables import target_values
    from torchsom.version import __version__
    from torchsom.visualization.config import VisualizationConfig

    out = check_writable_folder(out)
    raw, scaled = model_features(model, table)
    if target_name is None and model.target is not None and model.target.name in table.data:
        target_name = model.target.name
    target = target_values(table, target_name) if target_name else None
    bmus, _ = best_units(model.som, scaled)
    inputs = ReportInputs(model, raw, scaled, bmus, target, target_name)
    config = VisualizationConfig(dpi=dpi)
    rows = row_results(model, scaled, target if model.target is not None and target_name ==
                       model.target.name else None)
    measures = quality_measures(model.som, scaled)
    measures.update(_supervised_measures(model, rows, target, target_name))
    context = {
        "model": model, "model_name": model_name, "data_name": Path(table.path).name,
        "n_rows": table.n_rows, "version": __version__, "measures": measures,
        "settings": _settings(model), "row_columns": list(rows),
        "data_facts": {"file": Path(table.path).name, "rows": table.n_rows,
                       "features": ", ".join(model.feature_names),
                       "scaling": model.scaler.method,
                       "target": target_name or "none",
                       "trained on": model.training.get("data", "?")},
        "clusters": cluster_table(model, raw, bmus),
        "overall": dict(zip(model.feature_names, raw.mean(axis=0).tolist())),
    }
    figures: list[ReportFigure] = []
    with tqdm(desc="Report figures", unit="figure", disable=quiet, file=sys.stderr,
              leave=False) as bar:
        for fig in report_figures(inputs, config):
            figures.append(fig)
            bar.update()
    page = render_html(context, figures)
    with staged_folder(out) as stage:
        with atomic_file(stage / "index.html", "w", encoding="utf-8") as handle:
            handle.write(page)
        from torchsom.cli.analysis import write_rows

        write_rows(stage / "rows.csv", rows)
    return out / "index.html"


def _supervised_measures(model: FittedModel, rows: Mapping[str, np.ndarray],
                         target: np.ndarray | None, name: str | None) -> dict[str, float]:
    if model.target is None or target is None or name != model.target.name:
        return {}
    predicted = rows["prediction"]
    if model.target.kind == "classes":
        actual = class_names(target)
        return {f"{name}: accuracy of the prediction": float(np.mean(predicted == actual))}
    error = predicted.astype(np.float64) - target.astype(np.float64)
    return {f"{name}: mean absolute error of the prediction": float(np.abs(error).mean())}
