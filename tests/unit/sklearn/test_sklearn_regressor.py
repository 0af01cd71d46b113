"""SOMRegressor: smooth targets, several outputs, weights and NaN handling."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from torchsom.sklearn import SOMRegressor

RNG = np.random.default_rng(2)
X = RNG.uniform(-2, 2, size=(400, 2))
Y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2


def _reg(**params) -> SOMRegressor:
    return SOMRegressor(x=8, y=8, random_state=0, device="cpu", **params)


@pytest.mark.parametrize("method", ["two_stage", "xyf"])
def test_smooth_function_is_learned(method) -> None:
    X_test = np.random.default_rng(9).uniform(-1.8, 1.8, size=(200, 2))
    y_test = np.sin(X_test[:, 0]) + 0.5 * X_test[:, 1] ** 2
    reg = _reg(method=method, label_sigma=0.5).fit(X, Y)
    assert reg.score(X_test, y_test) > 0.85
    assert reg.predict(X_test).shape == (200,) and reg.n_outputs_ == 1


@pytest.mark.parametrize("method", ["two_stage", "xyf"])
def test_several_outputs_keep_their_shape_and_linear_relations(method) -> None:
    both = np.column_stack((Y, -2.0 * Y + 1.0))
    reg = _reg(method=method).fit(X, both)
    pred = reg.predict(X[:20])
    assert pred.shape == (20, 2) and reg.n_outputs_ == 2
    # neuron targets are weighted means, so an affine relation between outputs survives
    np.testing.assert_allclose(pred[:, 1], -2.0 * pred[:, 0] + 1.0, rtol=1e-9, atol=1e-9)
    column = _reg(method=method).fit(X, Y.reshape(-1, 1)).predict(X[:5])
    assert column.shape == (5, 1)


def test_zero_weights_equal_missing_targets_and_weights_shift_means() -> None:
    silent = np.random.default_rng(4).random(400) < 0.3
    weighted = _reg(method="two_stage").fit(X, Y, sample_weight=(~silent).astype(float))
    missing = _reg(method="two_stage", semi_supervised=True).fit(X, np.where(silent, np.nan, Y))
    np.testing.assert_allclose(weighted.neuron_targets_, missing.neuron_targets_)
    high = Y > np.median(Y)
    lifted = _reg(method="two_stage").fit(X, Y, sample_weight=np.where(high, 5.0, 1.0))
    plain = _reg(method="two_stage").fit(X, Y)
    assert lifted.neuron_targets_.mean() > plain.neuron_targets_.mean()


def test_bad_targets_get_clear_errors() -> None:
    with pytest.raises(NotFittedError, match="SOMRegressor instance is not fitted yet"):
        _reg().predict(X)
    with pytest.raises(ValueError, match="Input y contains NaN.*semi_supervised=True"):
        _reg().fit(X, np.where(np.arange(400) == 3, np.nan, Y))
    with pytest.raises(ValueError, match="y has 399 entries but X has 400 rows"):
        _reg().fit(X, Y[:-1])
    with pytest.raises(ValueError, match="must hold numbers for regression"):
        _reg().fit(X, np.array(["a"] * 400))
    with pytest.raises(ValueError, match="sample_weight is zero for every labelled row"):
        _reg(semi_supervised=True).fit(X, np.column_stack((Y, np.where(Y > 0, np.nan, Y))),
                                       sample_weight=(Y > 0).astype(float))
