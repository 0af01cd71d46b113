"""Map settings shared by the estimators: parameters, seeds, dtypes, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from torchsom import suggest_map_size
from torchsom.exceptions import NotFittedError as TorchSOMNotFittedError
from torchsom.sklearn import SOMClassifier, SOMClusterer, SOMRegressor, SOMTransformer, _base
from torchsom.sklearn._base import MAP_PARAMETERS

CLASSES = [SOMTransformer, SOMClusterer, SOMClassifier, SOMRegressor]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(80, 3))
Y_CLASS = (X[:, 0] > 0).astype(int)


def _data(cls, data):
    """``(X,)`` or ``(X, y)``: what ``cls.fit`` takes."""
    if cls in (SOMClassifier, SOMRegressor):
        return data, (data[:, 0] > 0).astype(int) if cls is SOMClassifier else data[:, 0]
    return (data,)


def _fit(cls, data=X, **params):
    return cls(device="cpu", **params).fit(*_data(cls, data))


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
def test_omitted_sides_come_from_the_data_and_the_parameters_stay_none(cls) -> None:
    long = RNG.normal(size=(300, 3)) * [5.0, 1.0, 0.5]  # spread 5 : 1 along the axes
    est = _fit(cls, data=long, epochs=2, random_state=0)
    assert est.map_size_ == suggest_map_size(long) == (22, 5)  # elongated data: not square
    assert (est.som_.x, est.som_.y) == est.map_size_
    assert est.som_.sigma == 11.0  # half the longer side of the chosen grid
    assert est.x is None and est.y is None  # fit never writes the constructor's settings
    assert est.get_params()["x"] is None and clone(est).get_params()["y"] is None
    if cls in (SOMClassifier, SOMRegressor):  # the xyf map of [X, Y] has the grid of X
        assert (est.joint_som_.x, est.joint_som_.y) == est.map_size_
    hexagonal = _fit(cls, data=long, epochs=1, topology="hexagonal", pbc=True,
                     random_state=0)
    assert hexagonal.map_size_ == suggest_map_size(long, topology="hexagonal", pbc=True)
    assert hexagonal.map_size_[0] % 2 == 0  # a hexagonal torus needs even rows
    # a refit on other data chooses again
    assert est.fit(*_data(cls, X)).map_size_ == suggest_map_size(X)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_one_given_side_is_kept_and_the_other_gives_about_the_suggested_neurons(cls) -> None:
    units = 5 * 80**0.54321  # 54.1 neurons for the 80 rows of X
    assert _fit(cls, x=4, epochs=1).map_size_ == (4, round(units / 4)) == (4, 14)
    assert _fit(cls, y=6, epochs=1).map_size_ == (round(units / 6), 6) == (9, 6)
    est = _fit(cls, y=6, epochs=1)
    assert (est.som_.x, est.som_.y) == (9, 6) and est.x is None and est.y == 6


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
    with pytest.raises(ValueError, match="x must be an int >= 1, or None to choose it from "
                                         "the data; got 0"):
        _fit(cls, x=0)
    with pytest.raises(ValueError, match="y must be an int >= 1, or None .*; got 'big'"):
        _fit(cls, y="big")
    with pytest.raises(ValueError, match="x must be an int >= 1, or None .*; got 2.5"):
        _fit(cls, x=2.5, y=3)
    with pytest.raises(ValueError, match="y must be an int >= 1, or None .*; got True"):
        _fit(cls, y=True)
    with pytest.raises(ValueError, match="topology='hex' is not valid"):
        _fit(cls, topology="hex")
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
    assert one_row.map_size_ == (3, 2)  # one sample: 5 neurons suggested
    np.testing.assert_allclose(one_row.codebook_, np.repeat(X[:1], 6, axis=0))


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
