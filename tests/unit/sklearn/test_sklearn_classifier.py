"""SOMClassifier: probabilities, labels of any kind, sample weights and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from torchsom.sklearn import SOMClassifier

X_WINE, Y_WINE = load_wine(return_X_y=True)
X_WINE = StandardScaler().fit_transform(X_WINE)
NAMES = np.array(["barolo", "grignolino", "barbera"])[Y_WINE]


def _clf(**params) -> SOMClassifier:
    return SOMClassifier(x=6, y=6, random_state=0, device="cpu", **params)


@pytest.mark.parametrize("method", ["two_stage", "xyf"])
def test_wine_is_classified_and_probabilities_are_consistent(method) -> None:
    train = np.arange(178) % 3 != 0
    clf = _clf(method=method).fit(X_WINE[train], NAMES[train])
    assert clf.classes_.tolist() == ["barbera", "barolo", "grignolino"]
    assert clf.score(X_WINE[~train], NAMES[~train]) > 0.9
    proba = clf.predict_proba(X_WINE[~train])
    assert proba.shape == (int((~train).sum()), 3)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X_WINE[~train]))
    assert clf.neuron_proba_.shape == (36, 3)


def test_zero_weight_rows_train_the_map_but_do_not_vote() -> None:
    rng = np.random.default_rng(0)
    silent = rng.random(178) < 0.3
    weights = np.where(silent, 0.0, 1.0)
    partial = np.where(silent, -1, Y_WINE)
    for method in ("two_stage", "xyf"):
        weighted = _clf(method=method).fit(X_WINE, Y_WINE, sample_weight=weights)
        unlabelled = _clf(method=method, semi_supervised=True).fit(X_WINE, partial)
        if method == "two_stage":  # same map, same voters: the same classifier
            np.testing.assert_allclose(weighted.neuron_proba_, unlabelled.neuron_proba_)
        else:  # xyf: zero-weight labels still shape the joint map; unlabelled ones do not
            assert not np.allclose(weighted.neuron_proba_, unlabelled.neuron_proba_)


def test_weights_scale_free_and_shift_votes() -> None:
    base = _clf(method="two_stage").fit(X_WINE, Y_WINE)
    doubled = _clf(method="two_stage").fit(X_WINE, Y_WINE, sample_weight=np.full(178, 2.0))
    np.testing.assert_allclose(base.neuron_proba_, doubled.neuron_proba_)
    heavy = _clf(method="two_stage").fit(X_WINE, Y_WINE,
                                         sample_weight=np.where(Y_WINE == 1, 10.0, 1.0))
    assert heavy.neuron_proba_[:, 1].mean() > base.neuron_proba_[:, 1].mean()
    with pytest.raises(ValueError, match="Negative values in data passed to .sample_weight"):
        _clf().fit(X_WINE, Y_WINE, sample_weight=-np.ones(178))


def test_score_rejects_labels_unseen_in_fit() -> None:
    clf = _clf().fit(X_WINE, NAMES)
    with pytest.raises(ValueError, match=r"labels not seen during fit: \['nebbiolo'\]"):
        clf.score(X_WINE[:2], ["barolo", "nebbiolo"])
    assert clf.score(X_WINE, NAMES.reshape(-1, 1)) > 0.9


def test_bad_input_gets_clear_errors() -> None:
    with pytest.raises(NotFittedError, match="SOMClassifier instance is not fitted yet"):
        _clf().predict(X_WINE)
    with pytest.raises(ValueError, match="y has 10 entries but X has 178 rows"):
        _clf().fit(X_WINE, Y_WINE[:10])
    mixed = ["a" if i % 2 else 1 for i in range(178)]
    with pytest.raises(ValueError, match="y mixes strings and other values"):
        _clf().fit(X_WINE, mixed)
    with pytest.raises(ValueError, match="needs at least 2 classes in y; got 1 class"):
        _clf().fit(X_WINE, np.zeros(178))
    with pytest.raises(ValueError, match="Input y contains NaN"):
        _clf().fit(X_WINE, np.full(178, np.nan))
    with pytest.raises(ValueError, match="requires y to be passed"):
        _clf().fit(X_WINE, None)
    with pytest.raises(ValueError, match="sample_weight is zero for every labelled row"):
        _clf(semi_supervised=True).fit(X_WINE, np.where(Y_WINE == 0, -1, Y_WINE),
                                       sample_weight=(Y_WINE == 0).astype(float))
    fitted = _clf().fit(X_WINE, Y_WINE)
    with pytest.raises(ValueError, match="X has 2 features, but SOMClassifier is expecting 13"):
        fitted.predict(X_WINE[:, :2])
