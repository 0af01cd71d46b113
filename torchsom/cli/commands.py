"""Handlers of the ``torchsom`` sub-commands; they use only the public API."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["COMMANDS", "run_demo", "run_fit", "run_report", "run_predict", "run_info"]

_METHODS = ("kmeans", "gmm", "hdbscan")


def _print_errors(q_errors: list[float], t_errors: list[float]) -> None:
    print("epoch  quantization_error  topographic_error_%")
    for epoch, (q, t) in enumerate(zip(q_errors, t_errors)):
        print(f"{epoch:5d}  {q:18.4f}  {t:19.2f}")


def _print_metrics(results: list[dict]) -> None:
    print()
    print(f"{'method':<8} {'k':>3} {'silhouette':>10} {'davies_bouldin':>14} "
          f"{'calinski_harabasz':>17} {'topological':>11} {'noise':>6}")
    for result in results:
        m = result["metrics"]
        print(f"{result['method']:<8} {m['n_clusters']:>3d} {m['silhouette_score']:>10.3f} "
              f"{m['davies_bouldin_score']:>14.3f} {m['calinski_harabasz_score']:>17.1f} "
              f"{m['topological_quality']:>11.3f} {m['noise_ratio']:>6.1%}")


def run_demo(args: argparse.Namespace) -> int:
    """The clustering tutorial end to end on built-in blobs data.

    Trains a 25×15 map on 300 standardised samples of 3 blobs, prints the per-epoch
    errors, the number of clusters chosen by the elbow and each clustering method's
    metrics, and writes every figure to ``args.out``.
    """
    import torch
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    from torchsom import SOM
    from torchsom.visualization import SOMVisualizer, VisualizationConfig

    out = Path(args.out)
    data, blob_ids = make_blobs(n_samples=300, centers=3, n_features=4, random_state=42)
    scaler = StandardScaler().fit(data)
    features = torch.tensor(scaler.transform(data), dtype=torch.float32)
    targets = torch.tensor(blob_ids, dtype=torch.long)
    som = SOM(x=25, y=15, num_features=4, epochs=args.epochs, batch_size=16, sigma=1.45,
              learning_rate=0.95, neighborhood_order=3, topology="rectangular",
              initialization_mode="pca", random_seed=42, device="cpu")
    som.initialize_weights(data=features, mode="pca")
    q_errors, t_errors = som.fit(features, verbose=not args.quiet)
    _print_errors(q_errors, t_errors)

    viz = SOMVisualizer(som, VisualizationConfig(dpi=args.dpi))
    viz.plot_training_errors(q_errors, t_errors, save_path=out)
    viz.plot_distance_map(save_path=out)
    viz.plot_hit_map(features, save_path=out)
    bmus_map = som.build_map("bmus_data", data=features)
    viz.plot_classification_map(bmus_map, features, targets, save_path=out)
    viz.plot_component_planes([f"feature_{i + 1}" for i in range(4)], save_path=out)

    elbow = viz.elbow_analysis(max_k=10, feature_space="weights")
    viz.plot_elbow_analysis(max_k=10, feature_space="weights", save_path=out)
    print()
    print("elbow inertia: " + ", ".join(
        f"k={k}: {v:.1f}" for k, v in zip(elbow["k_values"], elbow["inertia"])))
    print(f"chosen k (elbow): {elbow['elbow']}")

    chosen = som.cluster(method="kmeans", n_clusters=elbow["elbow"], feature_space="weights")
    viz.plot_cluster_map(chosen, save_path=out)
    viz.plot_silhouette_analysis(chosen, save_path=out)

    results = [som.cluster(method=m, feature_space="weights") for m in _METHODS]
    for result in results:
        if "k_selection" in result:
            selection = result["k_selection"]
            print(f"{result['method']}: k chosen by {selection['criterion']} = "
                  f"{selection['k']}")
    _print_metrics(results)
    viz.plot_cluster_quality_comparison(results, save_path=out)
    viz.plot_clustering_comparison_grid(results, save_path=out)

    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                     if p.is_file() and p.parts[len(out.parts)] != "report")
    print()
    print(f"{len(written)} figures written to {out}/:")
    for name in written:
        print(f"  {name}")
    report = _demo_report(som, data, blob_ids, scaler, chosen, out / "report", args)
    print(f"HTML report written to {report}")
    return 0


def _demo_report(som: Any, data: Any, blob_ids: Any, scaler: Any, chosen: dict[str, Any],
                 folder: Path, args: argparse.Namespace) -> Path:
    """The demo's map, data and clusters as an HTML report (what ``report`` writes)."""
    import numpy as np

    from torchsom.cli.model_file import FittedModel, TargetModel
    from torchsom.cli.report import write_report
    from torchsom.cli.scaling import Scaler
    from torchsom.cli.tables import Table

    names = [f"feature_{i + 1}" for i in range(data.shape[1])]
    columns = {name: data[:, i].astype(np.float64) for i, name in enumerate(names)}
    columns["blob"] = np.asarray(blob_ids, dtype=np.float64)
    table = Table(Path("blobs"), [*names, "blob"], columns)
    model = FittedModel(som, names, Scaler("standard", scaler.mean_, scaler.scale_),
                        chosen["labels"].cpu().numpy(), training={"data": "blobs",
                                                                   "rows": len(data)})
    model.target = TargetModel.fit("blob", columns["blob"], _bmus(model, data),
                                   som.weights.detach().reshape(-1, data.shape[1]).numpy())
    return write_report(model, table, folder, model_name="demo", dpi=args.dpi,
                        quiet=args.quiet)


def _bmus(model: Any, data: Any) -> Any:
    from torchsom.cli.analysis import best_units

    return best_units(model.som, model.scaler.transform(data))[0]


def run_fit(args: argparse.Namespace) -> int:
    """``torchsom fit``: train a map on DATA and save it with its scaler and columns."""
    from torchsom.cli.errors import check_writable_file
    from torchsom.cli.settings import fit_settings
    from torchsom.cli.tables import feature_matrix, read_table, target_values
    from torchsom.cli.training import train_model

    som_kwargs, options = fit_settings(args)
    out = check_writable_file(args.out)
    table = read_table(args.data)
    raw, names = feature_matrix(table, options["columns"], options["drop"], options["target"])
    target = target_values(table, options["target"]) if options["target"] else None
    model = train_model(raw, names, som_kwargs, options["scale"], target=target,
                        target_name=options["target"], verbose=not args.quiet,
                        training={"data": Path(args.data).name, "rows": table.n_rows,
                                  "dropped": list(options["drop"] or [])})
    model.save(out)
    chosen = [name for name in ("x", "y") if som_kwargs[name] is None]
    _print_model(model, out, chosen)
    return 0


def _print_model(model: Any, out: Path, chosen: list[str]) -> None:
    som = model.som
    print(f"model written to {out}")
    print(f"map: {som.x}x{som.y} {som.topology}, {som.num_features} features, "
          f"{som.epochs_trained_} epochs, scaling: {model.scaler.method}")
    if chosen:  # sides left out: say what was chosen and how to choose by hand
        print(f"map size: {' and '.join(chosen)} chosen from the {model.training['rows']} "
              f"training rows (torchsom.suggest_map_size): {som.x}x{som.y}; "
              f"{' and '.join('--' + name for name in chosen)} set it by hand")
    print(f"features: {', '.join(model.feature_names)}")
    if som.quantization_errors_:
        print(f"last epoch: quantization error {som.quantization_errors_[-1]:.4g}, "
              f"topographic error {som.topographic_errors_[-1]:.2f}%")
    if model.clusters is not None:
        print(f"clusters: {len(set(model.clusters.tolist()))} (k-means on the neurons)")
    if model.target is not None:
        kind = (f"{len(model.target.classes)} classes" if model.target.kind == "classes"
                else "numeric")
        print(f"target: {model.target.name} ({kind})")


def run_report(args: argparse.Namespace) -> int:
    """``torchsom report``: write DIR/index.html and DIR/rows.csv."""
    from torchsom.cli.errors import check_writable_folder
    from torchsom.cli.model_file import FittedModel
    from torchsom.cli.report import write_report
    from torchsom.cli.tables import read_table

    out = check_writable_folder(args.out)
    if args.dpi < 10 or args.dpi > 600:
        from torchsom.cli.errors import CLIError

        raise CLIError(f"--dpi must be between 10 and 600; got {args.dpi}.")
    model = FittedModel.load(args.model)
    table = read_table(args.data)
    page = write_report(model, table, out, target_name=args.target,
                        model_name=Path(args.model).name, dpi=args.dpi, quiet=args.quiet)
    print(f"report written to {page}")
    print(f"per-row results written to {page.parent / 'rows.csv'}")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """``torchsom predict``: BMU, distance, cluster (and prediction) of each row."""
    from torchsom.cli.analysis import model_features, row_results, write_rows
    from torchsom.cli.errors import check_writable_file
    from torchsom.cli.model_file import FittedModel
    from torchsom.cli.tables import read_table

    out = check_writable_file(args.out) if args.out else None
    model = FittedModel.load(args.model)
    table = read_table(args.data)
    _, scaled = model_features(model, table)
    rows = row_results(model, scaled)
    write_rows(out, rows)
    if out is not None:
        print(f"{table.n_rows} rows written to {out}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """``torchsom info``: what a model file holds, read from its metadata only."""
    import json

    from torchsom.cli.model_file import read_info

    info = read_info(args.model)
    if args.json:
        print(json.dumps({k: v for k, v in info.items() if k != "metadata"}, indent=2,
                         default=str))
        return 0
    config, history, cli = info["config"], info["history"], info.get("cli") or {}
    print(f"model file: {args.model} (format {info['format_version']}, written by torchsom "
          f"{info['torchsom_version']})")
    print(f"map: {config['x']}x{config['y']} {config['topology']}, "
          f"{config['num_features']} features")
    print("settings:")
    for key, value in config.items():
        print(f"  {key}: {value}")
    q, t = history["quantization_errors_"], history["topographic_errors_"]
    print(f"history: {history['epochs_trained_']} epochs trained" + (
        f"; last quantization error {q[-1]:.4g}, topographic error {t[-1]:.2f}%" if q else ""))
    if not cli:
        print("no command-line metadata (saved with SOM.save, not 'torchsom fit')")
        return 0
    print(f"features: {', '.join(cli.get('feature_names', []))}")
    print(f"scaling: {(cli.get('scaler') or {}).get('method', '?')}")
    clusters = cli.get("clusters")
    if clusters is not None:
        print(f"clusters: {len(set(clusters))} (k-means on the neurons)")
    target = cli.get("target")
    if target:
        kind = (f"classes {', '.join(target['classes'])}" if target["kind"] == "classes"
                else "numeric")
        print(f"target: {target['name']} ({kind})")
    training = cli.get("training") or {}
    if training:
        print("trained on: " + ", ".join(f"{k} {v}" for k, v in training.items()))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": run_demo, "fit": run_fit, "report": run_report, "predict": run_predict,
    "info": run_info,
}
