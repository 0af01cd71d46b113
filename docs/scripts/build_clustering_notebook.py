"""Write ``notebooks/clustering.ipynb``: the clustering tutorial as a notebook.

Run it after changing the tutorial's cells below; the notebook is committed without
outputs (``make docs`` executes it and renders ``docs/tutorials/clustering.md``).

    .venv/bin/python docs/scripts/build_clustering_notebook.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "clustering.ipynb"

# (kind, text, figure captions for the outputs of a code cell)
CELLS: list[tuple[str, str, list[str]]] = [
    ("markdown", """# Clustering — Synthetic Blobs

Synthetic blobs (300 samples, 4 features, 3 well-separated Gaussian clusters) make the full
clustering workflow easy to follow. This tutorial trains a map, picks the number of clusters
with the elbow and silhouette diagnostics, clusters the neurons, draws the cluster map, and
compares the three algorithms objectively. The integer blob ids serve as a known ground-truth
class for the classification map.""", []),
    ("markdown", """## 1. Generate and standardize the data

The BMU search compares raw feature distances, so standardizing is essential.""", []),
    ("code", """import torch
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

X, y = make_blobs(n_samples=300, centers=3, n_features=4, random_state=42)
features = torch.tensor(
    StandardScaler().fit_transform(X), dtype=torch.float32
)
targets = torch.tensor(y, dtype=torch.long)   # 0, 1, 2""", []),
    ("markdown", "## 2. Train the SOM", []),
    ("code", """from torchsom import SOM

som = SOM(
    x=25,
    y=15,
    num_features=features.shape[1],
    epochs=100,
    batch_size=16,
    sigma=1.45,
    learning_rate=0.95,
    neighborhood_order=3,
    topology="rectangular",
    initialization_mode="pca",
    random_seed=42,
)
som.initialize_weights(data=features, mode=som.initialization_mode)
q_errors, t_errors = som.fit(data=features)""", []),
    ("markdown", "## 3. Check convergence", []),
    ("code", """from torchsom import SOMVisualizer

viz = SOMVisualizer(som=som)
viz.plot_training_errors(
    quantization_errors=q_errors, topographic_errors=t_errors
)""", ["Blobs training curve"]),
    ("markdown", """The quantization error falls and flattens — training is long enough. The
topographic error stays at a few percent of the samples: it starts near zero because the
PCA start is already well ordered, and grows a little as the neighbourhood narrows.""", []),
    ("markdown", """## 4. Map structure

The U-matrix exposes cluster boundaries; the hit map shows where the data lands.""", []),
    ("code", """viz.plot_distance_map(
    distance_metric=som.distance_fn_name,
    neighborhood_order=som.neighborhood_order,
)
viz.plot_hit_map(data=features)""", ["Blobs U-matrix", "Blobs hit map"]),
    ("markdown", """The U-matrix shows three basins of low inter-neuron distance separated by clear
ridges, matching the three Gaussian clusters in the data.""", []),
    ("markdown", """## 5. Ground-truth classes

Build the BMU→sample map once, then color each neuron by its dominant blob id.""", []),
    ("code", """bmus_map = som.build_map("bmus_data", data=features)
viz.plot_classification_map(
    bmus_data_map=bmus_map,
    data=features,
    target=targets,
    neighborhood_order=som.neighborhood_order,
)""", ["Blobs classification map"]),
    ("markdown", """The three blobs occupy distinct, contiguous regions of the grid, confirming the
map has preserved the cluster structure.""", []),
    ("markdown", """## 6. Choose the number of clusters

The elbow plot tracks within-cluster dispersion against k; the bend marks a good choice.""",
     []),
    ("code", """viz.plot_elbow_analysis(max_k=10, feature_space="weights")""",
     ["Blobs elbow analysis"]),
    ("markdown", """The curve bends sharply at k=3, agreeing with the three basins seen in the
U-matrix.""", []),
    ("markdown", """## 7. Cluster the neurons

With k=3 chosen, cluster the codebook vectors and draw the result. `cluster()` returns a
dictionary; pass it straight to the visualizer. The silhouette plot reports how cleanly each
neuron sits in its cluster.""", []),
    ("code", """result = som.cluster(method="kmeans", n_clusters=3, feature_space="weights")
viz.plot_cluster_map(cluster_result=result)
viz.plot_silhouette_analysis(cluster_result=result)""",
     ["Blobs cluster map", "Blobs silhouette analysis"]),
    ("markdown", """The cluster map's boundaries follow the U-matrix ridges, so the three neuron
groups line up with the data's natural separation. `feature_space` can be `"weights"`,
`"positions"`, or `"combined"` — see *Clustering options* below for the trade-offs.""", []),
    ("markdown", """## 8. Compare algorithms

Rather than picking by eye, score K-Means, GMM, and HDBSCAN side by side. `n_clusters` is
ignored by HDBSCAN, which finds k itself.""", []),
    ("code", """results = [
    som.cluster(method=m, feature_space="weights")
    for m in ("kmeans", "gmm", "hdbscan")
]
viz.plot_cluster_quality_comparison(results_list=results)""",
     ["Blobs clustering metrics comparison"]),
    ("markdown", """The panel scores each method with silhouette, Davies–Bouldin, and
Calinski–Harabasz, so the final choice is driven by metrics rather than appearance.
HDBSCAN leaves some neurons unclustered (noise); its silhouette only describes the
neurons it clustered, which is why each method's noise ratio is drawn right beside it.""",
     []),
    ("markdown", """## Clustering options

**Feature spaces.** `"weights"` clusters the codebook vectors: neurons that represent similar
data end up together, which is what you usually want. `"positions"` clusters the grid
coordinates only, so it cuts the map into compact patches whatever the data. `"combined"`
joins both after standardising them: every column is centred and scaled to unit variance,
then each part is divided by the square root of its number of columns, so the weights and
the positions weigh the same however many features there are. It favours clusters that are
both similar and contiguous on the grid. `result["original_data"]` holds the features that
were clustered.

**Choosing k.** With `n_clusters=None`, k-means takes the elbow of its inertia curve for
k = 1 … 10 (fewer on small maps): the k after which the drop in inertia shrinks the most.
The choice is readable, not only visible: `result["k_selection"]` holds the curve and the
chosen `k`, `viz.elbow_analysis()` returns the numbers behind the elbow plot, and
`torchsom.clustering.find_elbow(k_values, inertias)` applies the rule to any curve. GMM takes
the number of components with the lowest BIC (on a codebook this is often more than the
number of data clusters, because a map also places neurons between the clusters). HDBSCAN
finds k itself; its `min_cluster_size` defaults to a tenth of the neurons (at least 5).

**Results.** Labels are 1-based, one per neuron in row-major order; HDBSCAN's noise neurons
are `-1`. `result["metrics"]` holds the silhouette, Davies–Bouldin and Calinski–Harabasz
scores (noise excluded), the number of clusters, the noise count and ratio, and the
topological quality (how compact each cluster is on the grid, in (0, 1]).

**Figures.** Every `plot_*` method returns its matplotlib Figure. With `save_path=...` the
figure is written to `save_path/<fig_name>.<config.save_format>` instead of being shown. In a
script whose backend cannot show figures (Agg), a figure that is neither saved nor shown stays
open and a warning says so, so nothing is lost silently.""", []),
]


def build() -> nbformat.NotebookNode:
    """The notebook, without outputs."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    for kind, text, captions in CELLS:
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell(text)
            if captions:
                cell.metadata["figure_captions"] = captions
        notebook.cells.append(cell)
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"
    return notebook


if __name__ == "__main__":
    NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build(), NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)}")
