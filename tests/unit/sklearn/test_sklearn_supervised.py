"""The two supervised rules (two-stage, xyf), label smoothing and semi-supervised fits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import r2_score

from torchsom.sklearn import SOMClassifier, SOMRegressor


def _distractor_data(n: int, seed: int):
    """A loud irrelevant feature (std 5) and a quiet one (std 1) that decides the class."""
    rng = np.random.default_rng(seed)
    X = np.column_stack((rng.normal(0, 5, n), rng.normal(0, 1, n)))
    return X, (X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("cls", [SOMClassifier, SOMRegressor], ids=lambda c: c.__name__)
def test_parameter_errors_name_the_parameter(cls) -> None:
    X, y = _distractor_data(30, 0)
    for bad in (0.0, 1.0, True, "half"):
        with pytest.raises(ValueError, match="xy_weight must be a real number strictly between"):
            cls(xy_weight=bad, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="label_sigma must be a finite real number > 0"):
        cls(label_sigma=-1.0, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="semi_supervised must be True or False"):
        cls(semi_supervised="yes", device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="method='knn' is not valid"):
        cls(method="knn", device="cpu").fit(X, y)


def test_xyf_lets_the_labels_shape_the_map() -> None:
    X, y = _distractor_data(400, 0)
    X_test, y_test = _distractor_data(400, 1)
    scores = {}
    for method in ("two_stage", "xyf"):
        clf = SOMClassifier(x=6, y=6, method=method, xy_weight=0.7, random_state=0,
                            device="cpu").fit(X, y)
        scores[method] = clf.score(X_test, y_test)
    # the X-only map spends its neurons on the loud feature; xyf follows the label
    assert scores["xyf"] > 0.9 and scores["xyf"] > scores["two_stage"] + 0.04


def test_xyf_prediction_map_is_the_x_part_of_the_joint_map_in_input_units() -> None:
    X, y = _distractor_data(200, 2)
    clf = SOMClassifier(x=5, y=5, xy_weight=0.3, random_state=0, device="cpu").fit(X, y)
    assert clf.som_.num_features == 2 and clf.joint_som_.num_features == 2 + 2  # X + one-hot
    x_scale = np.sqrt(X.var(0).sum())
    joint_x = clf.joint_som_.weights.detach().numpy()[..., :2]
    np.testing.assert_allclose(clf.som_.weights.detach().numpy(),
                               joint_x * x_scale / np.sqrt(1 - 0.3), rtol=1e-10)
    two_stage = SOMClassifier(x=5, y=5, method="two_stage", device="cpu").fit(X, y)
    assert not hasattr(two_stage, "joint_som_")


def test_tiny_label_sigma_keeps_each_neuron_to_its_own_rows() -> None:
    X, y = _distractor_data(300, 4)
    clf = SOMClassifier(x=4, y=4, method="two_stage", label_sigma=0.05, random_state=0,
                        device="cpu").fit(X, y)
    bmu = clf.som_.identify_bmus(X).numpy() @ np.array([4, 1])
    for neuron in np.unique(bmu):
        own = y[bmu == neuron]
        np.testing.assert_allclose(clf.neuron_proba_[neuron],
                                   [np.mean(own == 0), np.mean(own == 1)], atol=1e-6)


@pytest.mark.parametrize("method", ["two_stage", "xyf"])
def test_semi_supervised_fit_uses_few_labels_and_all_rows(method) -> None:
    X, y = _distractor_data(400, 5)
    partial = y.copy()
    hidden = np.random.default_rng(7).random(400) < 0.85
    partial[hidden] = -1
    clf = SOMClassifier(x=6, y=6, method=method, semi_supervised=True, random_state=0,
                        device="cpu").fit(X, partial)
    assert clf.classes_.tolist() == [0, 1]
    X_test, y_test = _distractor_data(300, 6)
    assert clf.score(X_test, y_test) > (0.85 if method == "xyf" else 0.6)
    labelled_only = SOMClassifier(x=6, y=6, method=method, random_state=0,
                                  device="cpu").fit(X[~hidden], y[~hidden])
    # the unlabelled rows trained the map too
    assert not np.allclose(clf.som_.weights.numpy(), labelled_only.som_.weights.numpy())


def test_semi_supervised_regression_fills_missing_targets_per_output() -> None:
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, size=(300, 2))
    Y = np.column_stack((X[:, 0] ** 2, X[:, 1]))
    partial = Y.copy()
    partial[rng.random(300) < 0.5, 0] = np.nan  # half of output 0 unknown
    settings = dict(x=7, y=7, label_sigma=0.5, random_state=0, device="cpu")
    semi = SOMRegressor(semi_supervised=True, **settings).fit(X, partial)
    full = SOMRegressor(**settings).fit(X, Y)
    got = r2_score(Y, semi.predict(X), multioutput="raw_values")
    best = r2_score(Y, full.predict(X), multioutput="raw_values")
    assert got[0] > 0.7 and got[0] > best[0] - 0.05  # half the labels lose little
    assert got[1] > 0.9
