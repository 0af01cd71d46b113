"""Cluster plots on borrowed Axes: cluster map, silhouette, elbow, quality comparison.

Each function draws into ``ax`` (created when None) and returns it; functions with
several panels take and return a sequence of Axes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from torchsom.clustering import silhouette_samples
from torchsom.exceptions import TorchSOMWarning
from torchsom.visualization._axes import grid_shape, map_figsize, new_axes
from torchsom.visualization._checks import check_result, check_results_list
from torchsom.visualization._style import label_colors
from torchsom.visualization.config import VisualizationConfig
from torchsom.visualization.maps import draw_label_map

__all__ = [
    "QUALITY_PANELS",
    "result_name",
    "plot_cluster_map",
    "plot_silhouette",
    "plot_elbow",
    "plot_quality_comparison",
    "plot_cluster_maps",
]

#: (metrics key, panel title) of the quality comparison, in drawing order; the noise
#: ratio sits right after the silhouette, which ignores noise neurons
QUALITY_PANELS = (
    ("silhouette_score", "Silhouette (higher is better)\nnoise neurons excluded"),
    ("noise_ratio", "Noise ratio\n(share of neurons left unclustered)"),
    ("n_clusters", "Number of clusters"),
    ("davies_bouldin_score", "Davies–Bouldin\n(lower is better)"),
    ("calinski_harabasz_score", "Calinski–Harabasz\n(higher is better)"),
    ("topological_quality", "Topological quality\n(higher is better)"),
)


def result_name(result: dict[str, Any]) -> str:
    """``"kmeans (weights)"``-style name of a cluster result."""
    space = result.get("feature_space")
    return f"{result.get('method', '?')}" + (f" ({space})" if space else "")


def _labels(result: dict[str, Any]) -> np.ndarray:
    labels = result["labels"]
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    return np.asarray(labels).reshape(-1)


def plot_cluster_map(
    som: Any,
    cluster_result: dict[str, Any],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    show_values: bool = False,
    config: VisualizationConfig | None = None,
) -> Axes:
    """Colour each neuron by its cluster (HDBSCAN noise in grey, labelled "noise").

    Parameters
    ----------
    som : torchsom.SOM
        The clustered map (its ``x``, ``y`` and ``topology`` are read).
    cluster_result : dict
        As returned by :meth:`torchsom.SOM.cluster`.
    """
    check_result(cluster_result, "cluster_result", ("labels",))
    x, y, topology = grid_shape(som)
    labels = _labels(cluster_result)
    if labels.size != x * y:
        raise ValueError(
            f"cluster_result has {labels.size} labels but the map has {x}×{y} = {x * y} "
            "neurons; cluster this map with som.cluster()."
        )
    if title is None:
        n = len(set(labels[labels != -1].tolist()))
        title = (f"{str(cluster_result.get('method', '')).upper()} clusters "
                 f"({cluster_result.get('feature_space', 'weights')}, k = {n})")
    return draw_label_map(labels.reshape(x, y).astype(float), topology, ax=ax, title=title,
                          colorbar_label="Cluster", noise=-1, show_values=show_values,
                          config=config)


def plot_silhouette(
    cluster_result: dict[str, Any],
    *,
    ax: Axes | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """Silhouette coefficient of every clustered neuron, sorted within its cluster.

    Noise neurons have no silhouette and are left out (their number is in the title).
    With fewer than two clusters a :class:`~torchsom.exceptions.TorchSOMWarning` is
    issued and the axes say why nothing is drawn.
    """
    check_result(cluster_result, "cluster_result", ("labels", "original_data"))
    config = config or VisualizationConfig()
    ax = new_axes(ax, (config.figsize[0] * 0.7, config.figsize[1]))
    labels = _labels(cluster_result)
    values = silhouette_samples(cluster_result["original_data"], labels).numpy()
    keep = labels != -1
    clusters = sorted(set(labels[keep].tolist()))
    noise = int((~keep).sum())
    method = str(cluster_result.get("method", "")).upper()
    title = f"Silhouette analysis: {method}, k = {len(clusters)}"
    if noise:
        title += f"\n{noise} noise neurons excluded ({noise / labels.size:.0%})"
    ax.set_title(title)
    ax.set_xlabel("Silhouette coefficient")
    ax.set_ylabel("Cluster")
    if len(clusters) < 2:
        warnings.warn("silhouette analysis needs at least two clusters; nothing to draw.",
                      TorchSOMWarning, stacklevel=2)
        ax.text(0.5, 0.5, "needs at least two clusters", ha="center", va="center",
                transform=ax.transAxes)
        return ax
    colors = label_colors(len(clusters)).colors
    gap = max(2, int(0.02 * keep.sum()))
    lower = gap
    centres = []
    for color, cluster in zip(colors, clusters):
        band = np.sort(values[labels == cluster])
        upper = lower + band.size
        ax.fill_betweenx(np.arange(lower, upper), 0, band, facecolor=color, edgecolor=color,
                         alpha=0.85)
        centres.append(lower + band.size / 2)
        lower = upper + gap
    mean = float(np.nanmean(values[keep]))
    ax.axvline(mean, color="red", linestyle="--", label=f"mean = {mean:.3f}")
    ax.set_yticks(centres, [str(c) for c in clusters])
    ax.set_ylim(0, lower)
    ax.set_xlim(min(-0.1, float(np.nanmin(values)) - 0.05), 1.0)
    ax.grid(True, axis="x", alpha=config.grid_alpha, linestyle="--")
    ax.legend(loc="lower right")
    return ax


def plot_elbow(
    k_values: Sequence[int],
    inertias: Sequence[float],
    elbow: int | None = None,
    *,
    ax: Axes | None = None,
    config: VisualizationConfig | None = None,
) -> Axes:
    """K-means inertia against k, with the detected elbow marked.

    Parameters
    ----------
    k_values, inertias : sequence
        The curve, e.g. from :func:`torchsom.clustering.elbow_curve`.
    elbow : int, optional
        The k to mark (e.g. :func:`torchsom.clustering.find_elbow`); not marked if None.
    """
    config = config or VisualizationConfig()
    ax = new_axes(ax, (config.figsize[0] * 0.8, config.figsize[1] * 0.75))
    ks = np.asarray(list(k_values))
    values = np.asarray(list(inertias), dtype=np.float64)
    ax.plot(ks, values, "o-", color="tab:blue", label="Inertia (within-cluster SS)")
    if elbow is not None and elbow in set(ks.tolist()):
        value = float(values[ks.tolist().index(elbow)])
        ax.axvline(elbow, color="tab:red", linestyle="--", linewidth=1.2)
        ax.plot([elbow], [value], "o", markersize=13, markerfacecolor="none",
                markeredgecolor="tab:red", markeredgewidth=2.2, label=f"Elbow: k = {elbow}",
                gid="elbow-marker")
        ax.annotate(f"elbow at k = {elbow}", (elbow, value), xytext=(14, 18),
                    textcoords="offset points", color="tab:red",
                    fontsize=config.fontsize.get("legend", 11),
                    arrowprops={"arrowstyle": "->", "color": "tab:red"})
    ax.set_xticks(ks)
    ax.set_xlabel("Number of clusters k")
    ax.set_ylabel("Inertia")
    ax.set_title("Elbow analysis (k-means)")
    ax.grid(True, alpha=config.grid_alpha, linestyle="--")
    ax.legend(loc="upper right")
    return ax


def _quality_axes(ax: Any, config: VisualizationConfig) -> list[Axes]:
    if ax is not None:
        axes = list(np.asarray(ax, dtype=object).reshape(-1))
        if len(axes) != len(QUALITY_PANELS):
            raise ValueError(
                f"ax must hold {len(QUALITY_PANELS)} Axes (one per panel); got {len(axes)}."
            )
        return axes
    import matplotlib.pyplot as plt

    _, grid = plt.subplots(2, 3, figsize=config.figsize, layout="constrained")
    return list(grid.reshape(-1))


def plot_quality_comparison(
    results_list: Sequence[dict[str, Any]],
    *,
    ax: Any = None,
    config: VisualizationConfig | None = None,
) -> list[Axes]:
    """Bar charts of the quality of several clusterings, one bar per result.

    Panels (in order): silhouette, noise ratio, number of clusters, Davies–Bouldin,
    Calinski–Harabasz and topological quality. The noise ratio sits next to the
    silhouette because the silhouette of a clustering with noise (HDBSCAN) only
    describes the neurons it clustered; silhouette bars also carry their noise share.

    Parameters
    ----------
    results_list : sequence of dict
        Results of :meth:`torchsom.SOM.cluster` (they hold ``metrics``).
    ax : sequence of 6 Axes, optional
        One per panel; a new 2×3 figure when None.

    Returns
    -------
    list of matplotlib.axes.Axes
    """
    config = config or VisualizationConfig()
    results_list = check_results_list(results_list, ("metrics",))
    axes = _quality_axes(ax, config)
    names = [result_name(r).replace(" (", "\n(") for r in results_list]
    colors = label_colors(len(results_list)).colors
    positions = np.arange(len(results_list))
    for axis, (key, title) in zip(axes, QUALITY_PANELS):
        raw = [r.get("metrics", {}).get(key, math.nan) for r in results_list]
        heights = [v if v is not None and math.isfinite(v) else 0.0 for v in raw]
        bars = axis.bar(positions, heights, color=colors, edgecolor="black", linewidth=0.6)
        texts = [_bar_text(key, v, r) for v, r in zip(raw, results_list)]
        axis.bar_label(bars, labels=texts, padding=2, fontsize=config.fontsize.get("legend", 11)
                       - 1)
        axis.set_title(title, fontsize=config.fontsize.get("axis", 13))
        axis.set_xticks(positions, names, fontsize=config.fontsize.get("legend", 11) - 1)
        axis.grid(True, axis="y", alpha=config.grid_alpha, linestyle="--")
        axis.set_axisbelow(True)
        top = max([h for h in heights if h > 0] + [1e-12])
        axis.set_ylim(0 if min(heights) >= 0 else min(heights) * 1.25, top * 1.3)
        if key == "noise_ratio":
            axis.set_ylim(0, max(top * 1.3, 0.1))
            axis.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if ax is None:
        axes[0].figure.suptitle("Clustering quality comparison")
    return axes


def _bar_text(key: str, value: Any, result: dict[str, Any]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if key == "n_clusters":
        return str(int(value))
    if key == "noise_ratio":
        return f"{value:.0%}"
    if key == "silhouette_score":
        noise = result.get("metrics", {}).get("noise_ratio", 0.0) or 0.0
        return f"{value:.3f}" + (f"\n({noise:.0%} noise)" if noise > 0 else "")
    if key == "calinski_harabasz_score":
        return f"{value:.0f}"
    return f"{value:.3f}"


def plot_cluster_maps(
    som: Any,
    results_list: Sequence[dict[str, Any]],
    *,
    ax: Any = None,
    config: VisualizationConfig | None = None,
) -> list[Axes]:
    """Cluster maps of several results side by side (titles carry k and silhouette).

    ``ax`` is a sequence with at least one Axes per result; extra Axes are hidden. A
    new figure with up to three maps per row is made when None.
    """
    config = config or VisualizationConfig()
    results_list = check_results_list(results_list, ("labels",))
    n = len(results_list)
    if ax is None:
        import matplotlib.pyplot as plt

        cols = min(3, n)
        rows = math.ceil(n / cols)
        x, y, topology = grid_shape(som)
        _, grid = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                               figsize=map_figsize(x, y, topology, config, (rows, cols)))
        axes = list(grid.reshape(-1))
    else:
        axes = list(np.asarray(ax, dtype=object).reshape(-1))
        if len(axes) < n:
            raise ValueError(f"ax must hold at least {n} Axes; got {len(axes)}.")
    for axis, result in zip(axes, results_list):
        metrics = result.get("metrics", {})
        k = metrics.get("n_clusters", result.get("n_clusters"))
        title = f"{result_name(result)}\nk = {k}"
        if "silhouette_score" in metrics:
            title += f", silhouette = {metrics['silhouette_score']:.2f}"
        if metrics.get("noise_ratio"):
            title += f", noise = {metrics['noise_ratio']:.0%}"
        plot_cluster_map(som, result, ax=axis, title=title, config=config)
        axis.title.set_fontsize(config.fontsize.get("axis", 13))
    for axis in axes[n:]:
        axis.set_visible(False)
    return axes[:n]
