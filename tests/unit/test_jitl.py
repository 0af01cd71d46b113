"""JITLEstimator: local models beat the global one where the truth is piecewise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from torchsom import SOM
from torchsom.jitl import JITLEstimator


def _piecewise(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """y = |x0| + 2·x1·[x0 > 0] - x1·[x0 <= 0]: four linear pieces, no global fit."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 2, generator=gen) * 6 - 3
    y = X[:, 0].abs() + torch.where(X[:, 0] > 0, 2 * X[:, 1], -X[:, 1])
    return X, y


@pytest.fixture(scope="module")
def trained_som() -> SOM:
    X, _ = _piecewise(600, 0)
    som = SOM(8, 8, 2, epochs=8, sigma=1.5, algorithm="batch", device="cpu",
              search_backend="torch", random_seed=0)
    som.initialize_weights(X, mode="pca")
    som.fit(X, verbose=False)
    return som


def test_local_models_beat_the_global_linear_model(trained_som):
    X, y = _piecewise(600, 0)
    X_test, y_test = _piecewise(150, 1)
    jitl = JITLEstimator(trained_som, LinearRegression(), min_buffer_threshold=30).fit(X, y)
    local_mse = float(np.mean((jitl.predict(X_test) - y_test.numpy()) ** 2))
    glob = LinearRegression().fit(X.numpy(), y.numpy())
    global_mse = float(np.mean((glob.predict(X_test.numpy()) - y_test.numpy()) ** 2))
    assert global_mse > 1.0  # the global line cannot follow the kinks
    assert local_mse < 0.25 * global_mse
    assert jitl.score(X_test, y_test) > 0.9
    assert 1 <= jitl.n_local_models_ <= 150


def test_default_estimators_and_classification(trained_som):
    X, _ = _piecewise(600, 0)
    X_test, _ = _piecewise(150, 1)
    labels = np.where(X[:, 0] * X[:, 1] > 0, "same", "opposite")  # XOR: not linear
    truth = np.where(X_test[:, 0] * X_test[:, 1] > 0, "same", "opposite")
    jitl = JITLEstimator(trained_som, min_buffer_threshold=30).fit(X, labels)
    assert jitl.task_ == "classification"
    assert isinstance(jitl.estimator_, LogisticRegression)
    assert list(jitl.classes_) == ["opposite", "same"]
    accuracy = float(np.mean(jitl.predict(X_test) == truth))
    glob = LogisticRegression().fit(X.numpy(), labels)
    assert accuracy > 0.85 > float(np.mean(glob.predict(X_test.numpy()) == truth)) + 0.2
    proba = jitl.predict_proba(X_test)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert np.array_equal(jitl.classes_[proba.argmax(1)], jitl.predict(X_test))
    regressor = JITLEstimator(trained_som).fit(X, _piecewise(600, 0)[1])
    assert regressor.task_ == "regression" and isinstance(regressor.estimator_, Ridge)


def test_auto_task_float_targets_are_regression(trained_som):
    X, _ = _piecewise(600, 0)
    integral = np.round(np.abs(X[:, 0].numpy()) * 10)  # float but integral, like diabetes
    assert JITLEstimator(trained_som).fit(X, integral).task_ == "regression"
    assert JITLEstimator(trained_som).fit(X, integral.astype(int)).task_ == "classification"
    forced = JITLEstimator(trained_som, task="regression").fit(X, integral.astype(int))
    assert forced.task_ == "regression"


def test_multi_output_regression_keeps_its_shape(trained_som):
    X, y = _piecewise(600, 0)
    both = torch.stack((y, -2 * y), 1)
    jitl = JITLEstimator(trained_som, LinearRegression(), min_buffer_threshold=30).fit(X, both)
    pred = jitl.predict(X[:10])
    assert pred.shape == (10, 2)
    np.testing.assert_allclose(pred[:, 1], -2 * pred[:, 0], rtol=1e-6, atol=1e-6)


def test_predictions_match_a_hand_fitted_model_on_the_buffer(trained_som):
    X, y = _piecewise(600, 0)
    bmus = trained_som.build_map("bmus_data", data=X, return_indices=True)
    jitl = JITLEstimator(trained_som, LinearRegression(), min_buffer_threshold=40).fit(X, y)
    for query in X[:5]:
        rows, outs = trained_som.collect_samples(query, X, y, bmus, min_buffer_threshold=40)
        by_hand = LinearRegression().fit(rows.double().numpy(), outs.double().numpy().ravel())
        np.testing.assert_allclose(jitl.predict(query.reshape(1, -1)),
                                   by_hand.predict(query.double().numpy().reshape(1, -1)),
                                   rtol=1e-5, atol=1e-5)


def test_single_class_buffer_and_empty_buffer(make_tiny_som):
    som = make_tiny_som
    X = torch.tensor([[0.0], [0.1], [10.0], [10.1]])
    labels = np.array([3, 3, 7, 7])
    jitl = JITLEstimator(som, retrieval_mode="bmu_only").fit(X, labels)
    assert jitl.predict([[0.05], [10.05]]).tolist() == [3, 7]
    assert jitl.n_local_models_ == 0  # single-class buffers need no model
    # neuron (0, 1) (value 5) won no training sample: empty buffer -> most frequent class
    assert jitl.predict([[5.0]]).tolist() == [3]
    reg = JITLEstimator(som, retrieval_mode="bmu_only").fit(X, np.array([1.0, 2.0, 3.0, 6.0]))
    assert reg.predict([[5.0]]).tolist() == [3.0]  # the training mean


@pytest.fixture()
def make_tiny_som() -> SOM:
    som = SOM(1, 3, 1, device="cpu", search_backend="torch")
    som.weights.data[...] = torch.tensor([0.0, 5.0, 10.0]).reshape(1, 3, 1)
    return som


def test_sklearn_conventions(trained_som):
    jitl = JITLEstimator(trained_som, Ridge(alpha=2.0), min_buffer_threshold=10)
    params = jitl.get_params(deep=False)
    assert params == {"som": trained_som, "estimator": jitl.estimator,
                      "min_buffer_threshold": 10, "retrieval_mode": "bmu_neighborhood_knn",
                      "task": "auto"}
    assert jitl.get_params()["estimator__alpha"] == 2.0
    jitl.set_params(estimator__alpha=3.0, min_buffer_threshold=20)
    assert jitl.estimator.alpha == 3.0 and jitl.min_buffer_threshold == 20
    twin = clone(jitl)
    assert twin.som is trained_som and twin.estimator is not jitl.estimator
    assert twin.estimator.alpha == 3.0
    X, y = _piecewise(100, 2)
    assert jitl.fit(X, y) is jitl
    assert jitl.n_features_in_ == 2


def test_errors(trained_som):
    X, y = _piecewise(50, 3)
    with pytest.raises(NotFittedError, match="call fit first"):
        JITLEstimator(trained_som).predict(X)
    with pytest.raises(ValueError, match="y has 10 entries but X has 50"):
        JITLEstimator(trained_som).fit(X, y[:10])
    with pytest.raises(ValueError, match="X must have 2 features"):
        JITLEstimator(trained_som).fit(torch.zeros(5, 3), torch.zeros(5))
    with pytest.raises(ValueError, match="retrieval_mode='near'"):
        JITLEstimator(trained_som, retrieval_mode="near").fit(X, y)
    with pytest.raises(ValueError, match="task='cluster'"):
        JITLEstimator(trained_som, task="cluster").fit(X, y)
    with pytest.raises(TypeError, match="som must be a trained torchsom SOM"):
        JITLEstimator(object()).fit(X, y)
    with pytest.raises(AttributeError, match="only available for classification"):
        JITLEstimator(trained_som).fit(X, y).predict_proba(X)


def test_refit_switches_task_and_probabilities_cover_empty_buffers(make_tiny_som):
    X = torch.tensor([[0.0], [0.1], [0.2], [10.0]])
    jitl = JITLEstimator(make_tiny_som, retrieval_mode="bmu_only").fit(X, [1, 2, 2, 0])
    proba = jitl.predict_proba([[0.05], [5.0]])
    assert proba[1].tolist() == [0.0, 0.0, 1.0]  # empty buffer: the most frequent class
    assert proba[0, 0] == 0.0 and proba[0, 1:].sum() == pytest.approx(1.0)
    assert jitl.score(X, [1, 2, 2, 0]) >= 0.5
    with pytest.raises(ValueError, match="shape \\(n_samples,\\) for classification"):
        JITLEstimator(make_tiny_som).fit(X, np.zeros((4, 2), dtype=int))
    jitl.fit(X, [0.5, 1.0, 1.5, 2.0])
    assert jitl.task_ == "regression" and not hasattr(jitl, "classes_")


def test_untrained_map_is_trained_on_a_copy_and_a_trained_one_used_as_is(trained_som):
    X, y = _piecewise(300, 5)
    fresh = SOM(5, 5, 2, epochs=4, algorithm="batch", initialization_mode="pca",
                device="cpu", search_backend="torch")
    untouched = fresh.weights.detach().clone()
    jitl = JITLEstimator(fresh, LinearRegression(), min_buffer_threshold=20).fit(X, y)
    assert jitl.som_ is not fresh and jitl.som_.epochs_trained_ == 4
    assert torch.equal(fresh.weights, untouched) and fresh.epochs_trained_ == 0
    # a trained map: far better than the global line (R² about 0.03 here)
    glob = LinearRegression().fit(X.numpy(), y.numpy()).score(X.numpy(), y.numpy())
    assert jitl.score(X, y) > 0.75 > glob + 0.3
    assert JITLEstimator(trained_som).fit(X, y).som_ is trained_som
    one_feature = SOM(3, 3, 1, initialization_mode="pca", device="cpu")
    fitted = JITLEstimator(one_feature).fit(X[:, :1], y)  # PCA impossible: sampled start
    assert fitted.som_.epochs_trained_ == 10


def test_som_settings_give_a_fresh_map_and_leave_the_shared_one_alone(trained_som):
    jitl = JITLEstimator(trained_som, Ridge())
    assert jitl.get_params()["som__x"] == 8
    before = trained_som.weights.detach().clone()
    jitl.set_params(som__x=4, som__sigma=1.0, estimator__alpha=0.5)
    assert jitl.som is not trained_som and (jitl.som.x, jitl.som.y) == (4, 8)
    assert jitl.som.sigma == 1.0 and jitl.som.epochs_trained_ == 0
    assert jitl.estimator.alpha == 0.5
    assert trained_som.x == 8 and torch.equal(trained_som.weights, before)
    with pytest.raises(TypeError, match="som__ settings need a torchsom SOM"):
        JITLEstimator(object()).set_params(som__x=3)
    replaced = JITLEstimator(object()).set_params(som=trained_som, som__y=3)
    assert replaced.som.y == 3 and replaced.som.x == 8 and trained_som.y == 8


def test_grid_search_over_the_map_size():
    from sklearn.model_selection import GridSearchCV

    X, y = _piecewise(300, 6)
    base = SOM(6, 6, 2, epochs=5, algorithm="batch", initialization_mode="pca", device="cpu",
               search_backend="torch")
    search = GridSearchCV(JITLEstimator(base, LinearRegression(), min_buffer_threshold=20),
                          {"som__x": [1, 6], "som__y": [1, 6]}, cv=3).fit(X.numpy(), y.numpy())
    scores = dict(zip(map(str, search.cv_results_["params"]),
                      search.cv_results_["mean_test_score"]))
    one_neuron = scores[str({"som__x": 1, "som__y": 1})]
    assert search.best_params_ != {"som__x": 1, "som__y": 1}
    assert one_neuron < 0.5 < search.best_score_  # one neuron = one global line
    assert base.epochs_trained_ == 0  # the template map was never touched
