"""The estimators in scikit-learn workflows: pipelines, grid search, clone, repr."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import torchsom
from torchsom.sklearn import SOMClassifier, SOMClusterer, SOMRegressor, SOMTransformer

X, Y = load_wine(return_X_y=True)


def test_transformer_feeds_a_classifier_in_a_pipeline() -> None:
    pipe = make_pipeline(StandardScaler(),
                         SOMTransformer(x=5, y=5, encoding="activation", random_state=0,
                                        device="cpu"),
                         LogisticRegression(max_iter=1000))
    assert cross_val_score(pipe, X, Y, cv=3).mean() > 0.85
    pipe.set_params(somtransformer__sigma=1.5, somtransformer__x=4)
    assert pipe.get_params()["somtransformer__x"] == 4
    assert pipe.fit(X, Y).named_steps["somtransformer"].som_.x == 4


def test_grid_search_over_the_map_size() -> None:
    search = GridSearchCV(
        make_pipeline(StandardScaler(), SOMClassifier(y=1, random_state=0, device="cpu")),
        {"somclassifier__x": [1, 6]}, cv=3,
    ).fit(X, Y)
    assert search.best_params_ == {"somclassifier__x": 6}
    one_neuron, six = search.cv_results_["mean_test_score"]
    assert one_neuron < 0.5 < 0.85 < six  # one neuron can only name the majority class
    assert search.best_estimator_[-1].som_.x == 6


@pytest.mark.parametrize("est", [SOMTransformer(x=3, sigma=2.0), SOMClusterer(n_clusters=4),
                                 SOMClassifier(method="two_stage"), SOMRegressor(xy_weight=0.2)],
                         ids=lambda e: type(e).__name__)
def test_clone_set_params_and_repr_of_non_default_settings(est) -> None:
    twin = clone(est)
    assert twin is not est and twin.get_params() == est.get_params()
    shown = repr(est)
    changed = {k: v for k, v in est.get_params().items() if v != type(est)().get_params()[k]}
    assert all(f"{k}={v!r}" in shown for k, v in changed.items())
    assert "epochs" not in shown  # defaults are not shown
    assert est.set_params(epochs=3) is est and est.epochs == 3


def test_feature_names_from_a_dataframe() -> None:
    frame = pd.DataFrame(X[:, :3], columns=["alcohol", "malic_acid", "ash"])
    clf = SOMClassifier(x=4, y=4, random_state=0, device="cpu").fit(frame, Y)
    assert clf.feature_names_in_.tolist() == ["alcohol", "malic_acid", "ash"]
    assert isinstance(clf.predict(frame), np.ndarray)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X[:5, :3])


def test_package_is_reachable_and_does_not_shadow_scikit_learn() -> None:
    import sklearn.base

    from torchsom.sklearn import _base

    assert torchsom.sklearn.SOMClassifier is SOMClassifier
    assert sklearn.__name__ == "sklearn" and "torchsom" not in sklearn.__file__
    assert _base.BaseEstimator is sklearn.base.BaseEstimator  # the real one, imported absolutely
