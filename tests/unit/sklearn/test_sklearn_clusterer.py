"""SOMClusterer: codebook clustering turned into per-row labels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from torchsom.sklearn import SOMClusterer
from torchsom.sklearn.clusterer import _merge_empty_clusters

X, TRUTH = make_blobs(n_samples=240, centers=[[-4, 0], [0, 4], [4, 0]], cluster_std=0.6,
                      random_state=0)


@pytest.mark.parametrize("method", ["agglomerative", "kmeans"])
def test_separated_blobs_are_recovered(method) -> None:
    est = SOMClusterer(x=6, y=6, n_clusters=3, method=method, random_state=0, device="cpu")
    est.fit(X)
    assert adjusted_rand_score(TRUTH, est.labels_) > 0.95
    assert est.labels_.dtype == np.int64 and est.labels_.shape == (240,)
    assert est.n_clusters_ == 3 and sorted(np.unique(est.labels_)) == [0, 1, 2]
    np.testing.assert_array_equal(est.predict(X), est.labels_)
    np.testing.assert_array_equal(est.fit_predict(X), est.labels_)
    assert est.neuron_labels_.shape == (36,)
    codebook = est.som_.weights.detach().reshape(36, 2).numpy()
    for c in range(3):
        np.testing.assert_allclose(est.cluster_centers_[c],
                                   codebook[est.neuron_labels_ == c].mean(0))
    # each centre sits near its own blob (pulled inwards by the in-between neurons)
    centres = np.array([[-4, 0], [0, 4], [4, 0]])
    gaps = np.linalg.norm(est.cluster_centers_[:, None] - centres[None], axis=2)
    assert (gaps.min(1) < 1.5).all() and sorted(gaps.argmin(1)) == [0, 1, 2]


def test_labels_of_new_rows_follow_their_neuron() -> None:
    est = SOMClusterer(x=6, y=6, n_clusters=3, random_state=0, device="cpu").fit(X)
    near_first_blob = np.array([[-4.1, 0.1], [-3.8, -0.2]])
    first = est.labels_[np.flatnonzero(TRUTH == 0)[0]]
    assert est.predict(near_first_blob).tolist() == [first, first]


def test_clusters_that_win_no_row_merge_into_the_nearest() -> None:
    codebook = np.array([[0.0], [0.1], [5.0], [5.1], [9.0]])
    labels = np.array([0, 0, 2, 2, 1])  # cluster 1 (the neuron at 9) wins no row
    bmu = np.array([0, 1, 2, 3, 0])
    merged = _merge_empty_clusters(labels, codebook, bmu)
    assert merged.tolist() == [0, 0, 1, 1, 1]  # renumbered 0..1, the 9 joined the 5s
    unchanged = _merge_empty_clusters(labels, codebook, np.array([0, 2, 4]))
    assert unchanged.tolist() == [0, 0, 2, 2, 1]


def test_parameter_errors() -> None:
    with pytest.raises(ValueError, match="n_clusters=40 is more than the map's 36 neurons"):
        SOMClusterer(x=6, y=6, n_clusters=40, device="cpu").fit(X)
    with pytest.raises(ValueError, match="n_clusters must be an int >= 1; got 0"):
        SOMClusterer(n_clusters=0, device="cpu").fit(X)
    with pytest.raises(ValueError, match="method='dbscan' is not valid"):
        SOMClusterer(method="dbscan", device="cpu").fit(X)
