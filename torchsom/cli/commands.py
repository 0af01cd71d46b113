"""Handlers of the ``torchsom`` sub-commands; they use only the public API."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

__all__ = ["COMMANDS", "run_demo"]

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
    features = torch.tensor(StandardScaler().fit_transform(data), dtype=torch.float32)
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

    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    print()
    print(f"{len(written)} figures written to {out}/:")
    for name in written:
        print(f"  {name}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"demo": run_demo}
