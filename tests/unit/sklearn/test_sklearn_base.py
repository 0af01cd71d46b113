"""Map settings shared by the estimators: parameters, seeds, dtypes, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from torchsom.exceptions import NotFittedError as TorchSOMNotFittedError
from torchsom.sklearn import SOMClassifier, SOMClusterer, SOMRegressor, SOMTransformer, _base
from torchsom.sklearn._base import MAP_PARAMETERS

CLASSES = [SOMTransformer, SOMClusterer, SOMClassifier, SOMRegressor]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(80, 3))
Y_CLASS = (X[:, 0] > 0).astype(int)


def _fit(cls, data=X, **params):
    est = cls(device="cpu", **params)
    if cls in (SOMClassifier, SOMRegressor):
        return est.fit(data, (data[:, 0] > 0).astype(int) if cls is SOMClassifier else data[:, 0])
    return est.fit(data)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_estimator_takes_the_map_settings_with_their_defaults(cls) -> None:
    params = cls().get_params(deep=True)
    assert {name: params[name] for name in MAP_PARAMETERS} == MAP_PARAMETERS


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_map_is_float64_on_the_requested_device_and_sized_as_asked(cls) -> None:
    est = _fit(cls, x=3, y=5, random_state=0)
    assert est.som_.weights.dtype == torch.float64 and est.som_.device == "cpu"
    assert (est.som_.x, est.som_.y) == (3, 5)
    assert est.som_.sigma == 2.5  # sigma=None means max(x, y) / 2
    assert est.n_features_in_ == 3
    assert _fit(cls, sigma=1.5).som_.sigma == 1.5


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_methods_before_fit_raise_sklearn_not_fitted_error(cls) -> None:
    est = cls(device="cpu")
    method = est.transform if hasattr(est, "transform") else est.predict
    with pytest.raises(NotFittedError, match="not fitted yet; call fit first"):
        method(X)
    with pytest.raises(TorchSOMNotFittedError):
        method(X)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_invalid_map_settings_fail_at_fit_naming_the_parameter(cls) -> None:
    est = cls(x=0, device="cpu")  # the constructor only stores
    assert est.x == 0
    with pytest.raises(ValueError, match="x must be an int >= 1; got 0"):
        _fit(cls, x=0)
    with pytest.raises(ValueError, match="y must be an int >= 1; got 'big'"):
        _fit(cls, y="big")
    with pytest.raises(ValueError, match="distance_function='euclidian'.*'euclidean'"):
        _fit(cls, distance_function="euclidian")
    with pytest.raises(ValueError, match="initialization_mode=.grid. is not valid"):
        _fit(cls, initialization_mode="grid")


def test_random_state_seeds_the_map() -> None:
    assert SOMTransformer(random_state=7)._map_seed() == 7
    assert SOMTransformer()._map_seed() is None
    expected = int(np.random.RandomState(3).randint(np.iinfo(np.int32).max))
    assert SOMTransformer(random_state=np.random.RandomState(3))._map_seed() == expected
    a = _fit(SOMTransformer, initialization_mode="random", random_state=1)
    b = _fit(SOMTransformer, initialization_mode="random", random_state=1)
    c = _fit(SOMTransformer, initialization_mode="random", random_state=2)
    assert np.array_equal(a.codebook_, b.codebook_) and not np.array_equal(a.codebook_,
                                                                            c.codebook_)


def test_pca_start_falls_back_to_samples_for_one_feature_or_one_row() -> None:
    one_feature = _fit(SOMTransformer, data=X[:, :1], random_state=0)
    assert one_feature.codebook_.min() >= X[:, 0].min() - 1e-9
    assert one_feature.codebook_.max() <= X[:, 0].max() + 1e-9
    one_row = _fit(SOMTransformer, data=X[:1], random_state=0)
    np.testing.assert_allclose(one_row.codebook_, np.repeat(X[:1], 64, axis=0))


def test_outputs_are_float64_numpy_for_any_float_input() -> None:
    est = _fit(SOMTransformer, encoding="distance", random_state=0)
    for data in (X.astype(np.float32), X, X.tolist()):
        out = est.transform(data)
        assert isinstance(out, np.ndarray) and out.dtype == np.float64


def test_distances_are_computed_in_chunks_without_changing_them(monkeypatch) -> None:
    est = _fit(SOMTransformer, encoding="distance", random_state=0)
    whole = est.transform(X)
    monkeypatch.setattr(_base, "_CHUNK_ROWS", 7)
    np.testing.assert_allclose(est.transform(X), whole, rtol=1e-12)


def test_verbose_shows_the_training_progress(capsys) -> None:
    _fit(SOMTransformer, verbose=True, epochs=2)
    assert "Training SOM" in capsys.readouterr().err
    _fit(SOMTransformer, epochs=2)
    assert "Training SOM" not in capsys.readouterr().err
