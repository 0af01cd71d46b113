"""SOMClusterer: two-level clustering, a map first and then its codebook."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import ClusterMixin
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.utils.validation import validate_data

from torchsom._registry import check_choice
from torchsom.exceptions import InvalidParameterError
from torchsom.sklearn._base import SOMEstimatorBase

__all__ = ["SOMClusterer", "CODEBOOK_METHODS"]

CODEBOOK_METHODS = ("agglomerative", "kmeans")


class SOMClusterer(ClusterMixin, SOMEstimatorBase):
    """Train a map, cluster its codebook, and give every row its neuron's cluster.

    The map summarises the data with ``x·y`` prototypes; clustering them instead of the
    rows is cheap and smooths out noise. A codebook cluster that wins no training row
    (only in-between neurons) is merged into the nearest other cluster, so every label
    in ``labels_`` has at least one row and labels run from 0 to ``n_clusters_ - 1``.

    Parameters
    ----------
    x, y : int or None, default=None
        Grid rows and columns; a side left as ``None`` is chosen from ``X`` at :meth:`fit`
        (see :class:`~torchsom.sklearn.SOMTransformer`); the grid used is ``map_size_``.
    epochs, sigma, learning_rate, algorithm, batch_size, topology, pbc, \
neighborhood_function, distance_function, lr_decay_function, sigma_decay_function, \
initialization_mode, device, random_state, verbose
        Map settings, as in :class:`~torchsom.sklearn.SOMTransformer`.
    n_clusters : int, default=3
        Clusters asked of the codebook clustering (at most ``x·y``).
    method : {"agglomerative", "kmeans"}, default="agglomerative"
        How the codebook is clustered, with scikit-learn: Ward's agglomerative
        clustering (deterministic) or k-means (10 starts, seeded by ``random_state``).

    Attributes
    ----------
    labels_ : numpy.ndarray
        Shape (n_samples,): cluster of every training row (int64, from 0).
    neuron_labels_ : numpy.ndarray
        Shape (x·y,): cluster of every neuron, row-major.
    cluster_centers_ : numpy.ndarray
        Shape (n_clusters_, n_features_in_): mean codebook vector of each cluster.
    n_clusters_ : int
        Clusters kept (``n_clusters`` minus the merged empty ones).
    map_size_ : tuple of (int, int)
        The grid ``(x, y)`` of the trained map: the given sides and the chosen ones.
    som_ : torchsom.SOM
        The trained map (float64).
    n_features_in_ : int
        Number of features seen by :meth:`fit`.
    feature_names_in_ : numpy.ndarray
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from torchsom.sklearn import SOMClusterer
    >>> X, _ = make_blobs(n_samples=150, centers=3, random_state=0)
    >>> SOMClusterer(x=6, y=6, n_clusters=3, random_state=0, device="cpu").fit(X).n_clusters_
    3
    """

    def __init__(
        self,
        x: int | None = None,
        y: int | None = None,
        epochs: int = 20,
        sigma: float | None = None,
        learning_rate: float = 1.0,
        algorithm: str = "batch",
        batch_size: int = 32,
        topology: str = "rectangular",
        pbc: bool = False,
        neighborhood_function: Any = "gaussian",
        distance_function: Any = "euclidean",
        lr_decay_function: Any = "asymptotic_decay",
        sigma_decay_function: Any = "asymptotic_decay",
        initialization_mode: str = "pca",
        device: Any = None,
        random_state: Any = None,
        verbose: bool = False,
        n_clusters: int = 3,
        method: str = "agglomerative",
    ) -> None:
        self.x = x
        self.y = y
        self.epochs = epochs
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.algorithm = algorithm
        self.batch_size = batch_size
        self.topology = topology
        self.pbc = pbc
        self.neighborhood_function = neighborhood_function
        self.distance_function = distance_function
        self.lr_decay_function = lr_decay_function
        self.sigma_decay_function = sigma_decay_function
        self.initialization_mode = initialization_mode
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.n_clusters = n_clusters
        self.method = method

    def fit(self, X: Any, y: Any = None) -> SOMClusterer:
        """Train the map on ``X`` and cluster its codebook.

        Parameters
        ----------
        X : array-like
            Shape (n_samples, n_features).
        y : None
            Ignored.

        Returns
        -------
        SOMClusterer
            ``self``.
        """
        check_choice("method", self.method, CODEBOOK_METHODS)
        k = self.n_clusters
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise InvalidParameterError(f"n_clusters must be an int >= 1; got {k!r}.")
        X = validate_data(self, X, dtype=np.float64)
        self._choose_map_size(X)
        som = self._train_map(X)
        n_neurons = som.x * som.y
        if k > n_neurons:
            raise InvalidParameterError(
                f"n_clusters={k} is more than the map's {n_neurons} neurons "
                f"({som.x}×{som.y}); ask for fewer clusters or a larger map."
            )
        codebook = self._codebook(som)
        if self.method == "kmeans":
            model = KMeans(n_clusters=int(k), n_init=10, random_state=self._map_seed())
        else:
            model = AgglomerativeClustering(n_clusters=int(k), linkage="ward")
        neuron_labels = model.fit_predict(codebook).astype(np.int64)
        bmu = self._bmu_indices(som, X)
        neuron_labels = _merge_empty_clusters(neuron_labels, codebook, bmu)
        self.som_ = som
        self.neuron_labels_ = neuron_labels
        self.labels_ = neuron_labels[bmu]
        self.n_clusters_ = int(neuron_labels.max()) + 1
        self.cluster_centers_ = np.stack(
            [codebook[neuron_labels == c].mean(axis=0) for c in range(self.n_clusters_)]
        )
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Cluster of each row: the cluster of its best-matching unit.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples,), int64.
        """
        self._check_fitted()
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.neuron_labels_[self._bmu_indices(self.som_, X)]


def _merge_empty_clusters(labels: np.ndarray, codebook: np.ndarray,
                          bmu: np.ndarray) -> np.ndarray:
    """Move the neurons of clusters no row reaches to the nearest populated cluster,
    then renumber the clusters 0..k-1 in their original order."""
    populated = np.unique(labels[bmu])
    empty = np.setdiff1d(np.unique(labels), populated)
    labels = labels.copy()
    if empty.size:
        centres = np.stack([codebook[labels == c].mean(axis=0) for c in populated])
        moving = np.isin(labels, empty)
        gaps = ((codebook[moving, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels[moving] = populated[np.argmin(gaps, axis=1)]
    _, renumbered = np.unique(labels, return_inverse=True)
    return renumbered.reshape(-1).astype(np.int64)
