"""``SOMVisualizer``: one object that draws every plot of a trained map.

Every ``plot_*`` method makes a new figure, draws it with the functions of
:mod:`~torchsom.visualization.maps`, :mod:`~torchsom.visualization.training` and
:mod:`~torchsom.visualization.clustering`, and **returns the Figure**.

What happens to the figure
--------------------------
* ``save_path`` given: the figure is written to
  ``Path(save_path) / f"{fig_name}.{config.save_format}"`` (folders created, ``dpi`` from
  the config, tight bounding box, white background). It is made outside pyplot, so it is
  never shown and holds no pyplot state; the returned Figure can still be saved again.
* no ``save_path``, interactive backend (a notebook, IPython with a GUI backend, ``plt.ion()``):
  the figure is a normal pyplot figure and the backend shows it, as any matplotlib plot.
* no ``save_path``, GUI backend in a plain script, or a Jupyter notebook's inline
  backend: ``plt.show()`` is called, so figures appear in the order they are made. In a
  notebook the returned Figure is not displayed a second time by the cell that made it
  (it displays normally when shown again from a later cell).
* no ``save_path``, non-interactive backend (Agg, e.g. a script on a server): nothing
  can show the figure, so it is **never dropped silently**: it stays open in pyplot
  (``plt.get_fignums()``), is returned, and a :class:`~torchsom.exceptions.TorchSOMWarning`
  says how to keep it (``fig.savefig(...)`` or ``save_path=...``).

Why one module of this size: it is the one façade class, whose ~20 ``plot_*`` methods
(the plotting API users call) each take a few lines to make a figure, call a drawing
function and finish the figure; the drawing, the figure handling and the analyses live in
their own modules. Splitting the class over files would hide its surface.

No method changes matplotlib's global style or rcParams: the config's fonts apply
through a context manager around each figure only. Saving and showing are handled by
:mod:`torchsom.visualization._display`; the numbers of the elbow analysis come from
:func:`torchsom.clustering.elbow_analysis`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from torchsom.clustering.elbow import elbow_analysis
from torchsom.exceptions import NotFittedError
from torchsom.topology.coordinates import TOPOLOGIES
from torchsom.visualization import clustering as cplots
from torchsom.visualization import maps as mplots
from torchsom.visualization._axes import map_figsize
from torchsom.visualization._checks import check_names, check_result, check_results_list
from torchsom.visualization._display import (
    finish_figure,
    new_figure,
    safe_file_name,
    save_figure,
)
from torchsom.visualization._style import style_context
from torchsom.visualization.config import VisualizationConfig
from torchsom.visualization.planes import draw_component_planes
from torchsom.visualization.training import plot_training_errors

__all__ = ["SOMVisualizer", "safe_file_name"]

_GRID_KWARGS = {"mask_zeros", "norm", "ticks", "tick_labels", "is_component_plane"}


class SOMVisualizer:
    """Plots of a trained :class:`torchsom.SOM`, for rectangular and hexagonal grids.

    Parameters
    ----------
    som : torchsom.SOM
        The map (only its public attributes and methods are used).
    config : VisualizationConfig, optional
        Appearance and file settings.

    Raises
    ------
    ValueError
        If the map's topology is neither rectangular nor hexagonal.

    Examples
    --------
    >>> import torch
    >>> from torchsom import SOM, SOMVisualizer
    >>> som = SOM(x=4, y=3, num_features=2, epochs=2, random_seed=0, device="cpu")
    >>> _ = som.fit(torch.rand(20, 2), verbose=False)
    >>> fig = SOMVisualizer(som).plot_distance_map(save_path=None)  # doctest: +SKIP
    """

    def __init__(self, som: Any, config: VisualizationConfig | None = None) -> None:
        topology = getattr(som, "topology", None)
        if topology not in TOPOLOGIES:
            raise ValueError(
                f"SOMVisualizer supports topology 'rectangular' or 'hexagonal'; the map has "
                f"topology={topology!r}."
            )
        if config is not None and not isinstance(config, VisualizationConfig):
            raise TypeError(
                f"config must be a VisualizationConfig or None; got {type(config).__name__}."
            )
        self.som = som
        self.config = config or VisualizationConfig()

    # ------------------------------------------------------------------ figure handling
    def _map_figsize(self, panels: tuple[int, int] = (1, 1)) -> tuple[float, float]:
        return map_figsize(int(self.som.x), int(self.som.y), self.som.topology, self.config,
                           panels)

    def _finish(self, fig: Figure, fig_name: str, save_path: Any) -> Figure:
        # the warning points at the caller of the plot_* method
        return finish_figure(fig, fig_name, save_path, self.config, stacklevel=3)

    # ------------------------------------------------------------------ generic grid
    def plot_grid(
        self,
        map: Any,  # noqa: A002 - name kept for compatibility
        title: str,
        colorbar_label: str,
        filename: str,
        save_path: str | Path | None = None,
        cmap: str | None = None,
        show_values: bool = False,
        value_format: str = ".2f",
        **kwargs: Any,
    ) -> Figure:
        """Draw any (x, y) map with the map's topology and save it as ``filename``.

        Keyword arguments: ``mask_zeros`` (default False: zeros are values),
        ``norm``, ``ticks``, ``tick_labels``; ``is_component_plane`` is accepted and
        ignored (every map has row 0 on top).
        """
        unknown = sorted(set(kwargs) - _GRID_KWARGS)
        if unknown:
            raise TypeError(
                f"plot_grid() got unexpected keyword argument(s) {unknown}; accepted: "
                f"{sorted(_GRID_KWARGS)}."
            )
        kwargs.pop("is_component_plane", None)
        with style_context(self.config):
            fig = new_figure(save_path, self._map_figsize())
            mplots.draw_map(map, self.som.topology, ax=fig.add_subplot(), title=title,
                            colorbar_label=colorbar_label, cmap=cmap,
                            show_values=show_values, value_format=value_format,
                            config=self.config, **kwargs)
            return self._finish(fig, filename, save_path)

    # ------------------------------------------------------------------ training
    def plot_training_errors(
        self,
        quantization_errors: Any = None,
        topographic_errors: Any = None,
        fig_name: str = "training_errors",
        save_path: str | Path | None = None,
    ) -> Figure:
        """Per-epoch quantization and topographic (percent) errors on two stacked axes.

        Without arguments the map's own history (``quantization_errors_``,
        ``topographic_errors_``) is plotted.

        Raises
        ------
        NotFittedError
            If no errors are given and the map has not been trained.
        """
        if quantization_errors is None or topographic_errors is None:
            history_q = list(getattr(self.som, "quantization_errors_", []) or [])
            history_t = list(getattr(self.som, "topographic_errors_", []) or [])
            if not history_q:
                raise NotFittedError(
                    f"{type(self.som).__name__} has no training history; call fit first or "
                    "pass quantization_errors and topographic_errors."
                )
            quantization_errors = history_q if quantization_errors is None else \
                quantization_errors
            topographic_errors = history_t if topographic_errors is None else \
                topographic_errors
        with style_context(self.config):
            fig = new_figure(save_path, self.config.figsize)
            axes = fig.subplots(2, 1, sharex=True)
            plot_training_errors(quantization_errors, topographic_errors, ax=axes,
                                 config=self.config)
            return self._finish(fig, fig_name, save_path)

    # ------------------------------------------------------------------ maps
    def _one_map(self, fig_name: str, save_path: Any, draw: Any, **kwargs: Any) -> Figure:
        with style_context(self.config):
            fig = new_figure(save_path, self._map_figsize())
            draw(self.som, ax=fig.add_subplot(), config=self.config, **kwargs)
            return self._finish(fig, fig_name, save_path)

    def plot_distance_map(
        self,
        fig_name: str = "distance_map",
        save_path: str | Path | None = None,
        distance_metric: str | None = None,
        neighborhood_order: int | None = None,
        scaling: str = "sum",
    ) -> Figure:
        """The U-matrix (neighbour distances; high values are cluster borders)."""
        return self._one_map(fig_name, save_path, mplots.plot_distance_map,
                             distance_metric=distance_metric,
                             neighborhood_order=neighborhood_order, scaling=scaling)

    def plot_hit_map(
        self,
        data: Any,
        fig_name: str = "hit_map",
        save_path: str | Path | None = None,
        batch_size: int = 1024,
    ) -> Figure:
        """Samples won by each neuron (neurons that won none are drawn empty)."""
        return self._one_map(fig_name, save_path, lambda som, **kw: mplots.plot_hit_map(
            som, data, batch_size=batch_size, **kw))

    def plot_classification_map(
        self,
        bmus_data_map: Any,
        data: Any,
        target: Any,
        fig_name: str = "classification_map",
        save_path: str | Path | None = None,
        neighborhood_order: int | None = None,
    ) -> Figure:
        """The majority class of each neuron (every class, 0 included, has a colour)."""
        return self._one_map(fig_name, save_path, lambda som, **kw:
                             mplots.plot_classification_map(
                                 som, bmus_data_map, data, target,
                                 neighborhood_order=neighborhood_order, **kw))

    def plot_metric_map(
        self,
        bmus_data_map: Any,
        data: Any,
        target: Any,
        reduction_parameter: str = "mean",
        fig_name: str | None = None,
        save_path: str | Path | None = None,
    ) -> Figure:
        """A target statistic per neuron; saved as ``<reduction>_target_map`` by default."""
        name = fig_name or f"{reduction_parameter}_target_map"
        return self._one_map(name, save_path, lambda som, **kw: mplots.plot_metric_map(
            som, bmus_data_map, data, target, reduction_parameter, **kw))

    def plot_score_map(
        self,
        bmus_data_map: Any,
        target: Any,
        total_samples: int,
        fig_name: str = "score_map",
        save_path: str | Path | None = None,
    ) -> Figure:
        """The neuron score ``std / sqrt(n) · ln(N / n)`` (lower is better)."""
        return self._one_map(fig_name, save_path, lambda som, **kw: mplots.plot_score_map(
            som, bmus_data_map, target, total_samples, **kw))

    def plot_rank_map(
        self,
        bmus_data_map: Any,
        target: Any,
        fig_name: str = "rank_map",
        save_path: str | Path | None = None,
    ) -> Figure:
        """Neurons ranked by target spread (rank 1 = largest std), ranks written in."""
        return self._one_map(fig_name, save_path, lambda som, **kw: mplots.plot_rank_map(
            som, bmus_data_map, target, **kw))

    def plot_component_planes(
        self,
        component_names: list[str] | None = None,
        save_path: str | Path | None = None,
        fig_name: str = "component_planes",
        *,
        separate_files: bool = True,
        shared_scale: bool | None = None,
    ) -> Figure:
        """One plane per feature, on one page that stays readable from 2 to 64+ features.

        Default names: the map's ``feature_names_in_`` (fitted on a DataFrame), else
        ``Component_1`` … .

        Names default to the map's ``feature_names_in_`` when it has them, else
        ``Component_1`` …; a shorter ``component_names`` plots the first features only.
        The layout (columns, title sizes, wrapped names, colour bars) is described in
        :mod:`torchsom.visualization.planes`. With ``save_path`` the overview is written
        to ``<save_path>/<fig_name>.<format>`` and, unless ``separate_files=False``,
        each plane also to ``<save_path>/component_planes/<name>.<format>`` (names made
        file-safe).

        Parameters
        ----------
        component_names : list of str, optional
            Plane titles, in feature order.
        save_path : str or Path, optional
            Folder to write to.
        fig_name : str, default="component_planes"
            File name of the overview.
        separate_files : bool, default=True
            Also write one file per plane.
        shared_scale : bool, optional
            One colour scale for all planes; ``None`` decides from the value ranges.

        Raises
        ------
        ValueError
            If more names than features are given, or none.
        """
        n_features = int(self.som.weights.shape[-1])
        names = check_names(component_names, "component_names") \
            if component_names is not None else mplots.component_names(self.som)
        if len(names) > n_features:
            raise ValueError(
                f"component_names has {len(names)} names but the map has {n_features} "
                "features."
            )
        if not names:
            raise ValueError("component_names is empty; give at least one name.")
        weights = self.som.weights.detach()[..., : len(names)]
        with style_context(self.config):
            fig = new_figure(save_path, self.config.figsize)
            draw_component_planes(fig, weights, names, self.som.topology, config=self.config,
                                  shared_scale=shared_scale)
            if save_path and separate_files:
                folder = Path(save_path) / "component_planes"
                for i, name in enumerate(names):
                    single = Figure(figsize=self._map_figsize(), layout="constrained")
                    mplots.plot_component_plane(self.som, i, name, ax=single.add_subplot(),
                                                config=self.config)
                    save_figure(single, folder, name, self.config)
            return self._finish(fig, fig_name, save_path)

    def plot_all(
        self,
        quantization_errors: Any,
        topographic_errors: Any,
        bmus_data_map: Any,
        data: Any,
        target: Any,
        component_names: list[str] | None = None,
        save_path: str | Path | None = None,
        training_errors: bool = True,
        distance_map: bool = True,
        hit_map: bool = True,
        score_map: bool = True,
        rank_map: bool = True,
        metric_map: bool = True,
        component_planes: bool = True,
    ) -> dict[str, Figure]:
        """Draw the standard set of plots, in this order: training errors, distance map,
        hit map, mean and std target maps, score map, rank map, component planes.

        Returns
        -------
        dict
            File name → Figure, for the plots drawn.
        """
        out: dict[str, Figure] = {}
        if training_errors:
            out["training_errors"] = self.plot_training_errors(
                quantization_errors, topographic_errors, save_path=save_path)
        if distance_map:
            out["distance_map"] = self.plot_distance_map(save_path=save_path)
        if hit_map:
            out["hit_map"] = self.plot_hit_map(data, save_path=save_path)
        if metric_map:
            for reduction in ("mean", "std"):
                out[f"{reduction}_target_map"] = self.plot_metric_map(
                    bmus_data_map, data, target, reduction, save_path=save_path)
        if score_map:
            out["score_map"] = self.plot_score_map(bmus_data_map, target, len(data),
                                                   save_path=save_path)
        if rank_map:
            out["rank_map"] = self.plot_rank_map(bmus_data_map, target, save_path=save_path)
        if component_planes:
            out["component_planes"] = self.plot_component_planes(component_names,
                                                                 save_path=save_path)
        return out

    # ------------------------------------------------------------------ clustering
    def plot_cluster_map(
        self,
        cluster_result: dict[str, Any],
        title: str | None = None,
        save_path: str | Path | None = None,
        show_values: bool = False,
        fig_name: str = "cluster_map",
    ) -> Figure:
        """Each neuron coloured by its cluster; HDBSCAN noise in grey."""
        check_result(cluster_result, "cluster_result", ("labels",))
        return self._one_map(fig_name, save_path, lambda som, **kw: cplots.plot_cluster_map(
            som, cluster_result, title=title, show_values=show_values, **kw))

    def plot_silhouette_analysis(
        self,
        cluster_result: dict[str, Any],
        save_path: str | Path | None = None,
        fig_name: str = "silhouette_analysis",
    ) -> Figure:
        """Per-neuron silhouette bands, sorted within each cluster, with the mean."""
        check_result(cluster_result, "cluster_result", ("labels", "original_data"))
        size = (self.config.figsize[0] * 0.7, self.config.figsize[1])
        with style_context(self.config):
            fig = new_figure(save_path, size)
            cplots.plot_silhouette(cluster_result, ax=fig.add_subplot(), config=self.config)
            return self._finish(fig, fig_name, save_path)

    def elbow_analysis(self, max_k: int = 10, feature_space: str = "weights") -> dict[str, Any]:
        """The k-means inertia curve of the neurons and its elbow
        (:func:`torchsom.clustering.elbow_analysis`).

        ``max_k`` is clipped to ``x·y − 1``. With the default arguments the elbow is the
        ``k`` that ``som.cluster(method="kmeans")`` chooses by itself.

        Returns
        -------
        dict
            ``{"k_values": [1, …, max_k], "inertia": [...], "elbow": int,
            "feature_space": str}``.

        Raises
        ------
        ValueError
            For an unknown feature space or a map with fewer than 3 neurons.
        """
        return elbow_analysis(self.som.weights.detach(), self.som.topology, max_k,
                              feature_space)

    def plot_elbow_analysis(
        self,
        max_k: int = 10,
        feature_space: str = "weights",
        save_path: str | Path | None = None,
        fig_name: str = "elbow_analysis",
    ) -> Figure:
        """K-means inertia for k = 1 … max_k, with the detected elbow marked.

        The numbers behind the plot (and the elbow) come from :meth:`elbow_analysis`.
        """
        analysis = self.elbow_analysis(max_k, feature_space)
        size = (self.config.figsize[0] * 0.8, self.config.figsize[1] * 0.75)
        with style_context(self.config):
            fig = new_figure(save_path, size)
            ax = cplots.plot_elbow(analysis["k_values"], analysis["inertia"],
                                   analysis["elbow"], ax=fig.add_subplot(),
                                   config=self.config)
            ax.set_title(f"Elbow analysis (k-means on {feature_space})")
            return self._finish(fig, fig_name, save_path)

    def plot_cluster_quality_comparison(
        self,
        results_list: list[dict[str, Any]],
        save_path: str | Path | None = None,
        fig_name: str = "clustering_metrics_comparison",
    ) -> Figure:
        """Silhouette (with each method's noise ratio beside it), number of clusters,
        Davies–Bouldin, Calinski–Harabasz and topological quality, one bar per result."""
        results_list = check_results_list(results_list, ("metrics",))
        with style_context(self.config):
            fig = new_figure(save_path, self.config.figsize)
            cplots.plot_quality_comparison(results_list, ax=fig.subplots(2, 3),
                                           config=self.config)
            fig.suptitle("Clustering quality comparison")
            return self._finish(fig, fig_name, save_path)

    def plot_clustering_comparison_grid(
        self,
        results_list: list[dict[str, Any]],
        save_path: str | Path | None = None,
        fig_name: str = "clustering_comparison_grid",
    ) -> Figure:
        """Cluster maps of several results side by side (up to three per row)."""
        results_list = check_results_list(results_list, ("labels",))
        n = len(results_list)
        cols = min(3, n)
        rows = math.ceil(n / cols)
        with style_context(self.config):
            fig = new_figure(save_path, self._map_figsize((rows, cols)))
            axes = fig.subplots(rows, cols, squeeze=False)
            cplots.plot_cluster_maps(self.som, results_list, ax=axes, config=self.config)
            fig.suptitle("Clustering comparison")
            return self._finish(fig, fig_name, save_path)
