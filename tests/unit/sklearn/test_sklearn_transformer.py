"""SOMTransformer: the three encodings, their inverse, score and pandas output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from torchsom.sklearn import SOMTransformer

RNG = np.random.default_rng(1)
X = np.vstack([RNG.normal(loc, 0.3, size=(40, 3)) for loc in (-2.0, 0.0, 2.0)])


def _fit(**params) -> SOMTransformer:
    return SOMTransformer(x=5, y=4, random_state=0, device="cpu", **params).fit(X)


def test_bmu_encoding_gives_grid_coordinates_of_the_nearest_neuron() -> None:
    est = _fit()
    coords = est.transform(X)
    assert coords.shape == (120, 2) and coords.dtype == np.float64
    np.testing.assert_array_equal(coords, est.som_.identify_bmus(X).numpy())
    nearest = cdist(X, est.codebook_).argmin(1)
    np.testing.assert_array_equal(coords[:, 0] * 4 + coords[:, 1], nearest)
    assert est.get_feature_names_out().tolist() == ["bmu_row", "bmu_col"]


def test_distance_encoding_is_the_distance_to_every_neuron() -> None:
    est = _fit(encoding="distance")
    np.testing.assert_allclose(est.transform(X), cdist(X, est.codebook_), rtol=1e-10)
    names = est.get_feature_names_out()
    assert names[0] == "distance_0_0" and names[-1] == "distance_4_3" and len(names) == 20


def test_activation_is_a_softmax_of_scaled_squared_distances() -> None:
    est = _fit(encoding="activation")
    distances = cdist(X, est.codebook_)
    width = est.activation_width_
    assert width == pytest.approx(distances.min(1).mean())  # default: the mean QE
    expected = np.exp(-distances**2 / (2 * width**2))
    expected /= expected.sum(1, keepdims=True)
    out = est.transform(X)
    np.testing.assert_allclose(out, expected, rtol=1e-9)
    np.testing.assert_allclose(out.sum(1), 1.0)
    assert np.array_equal(out.argmax(1), distances.argmin(1))
    narrow = _fit(encoding="activation", activation_width=1e-3).transform(X)
    assert np.isfinite(narrow).all() and np.allclose(narrow.max(1), 1.0)  # no underflow NaN
    with pytest.raises(ValueError, match="activation_width must be a finite real number > 0"):
        _fit(encoding="activation", activation_width=0.0)


@pytest.mark.parametrize("encoding", ["bmu", "distance", "activation"])
def test_inverse_transform_returns_the_bmu_codebook_vector(encoding) -> None:
    est = _fit(encoding=encoding)
    back = est.inverse_transform(est.transform(X))
    np.testing.assert_array_equal(back, est.codebook_[cdist(X, est.codebook_).argmin(1)])
    with pytest.raises(ValueError, match="X must have .* columns"):
        est.inverse_transform(np.zeros((2, 7)))


def test_inverse_transform_rejects_coordinates_off_the_map() -> None:
    est = _fit()
    with pytest.raises(ValueError, match=r"outside the 5×4 map \(first bad row 1"):
        est.inverse_transform([[0, 0], [5, 0]])


def test_score_is_minus_the_quantization_error() -> None:
    est = _fit()
    assert est.score(X) == pytest.approx(-cdist(X, est.codebook_).min(1).mean())
    assert est.score(X) > est.score(X + 5.0)  # data far from the map scores lower


def test_fit_transform_equals_fit_then_transform() -> None:
    est = SOMTransformer(x=4, y=4, encoding="activation", random_state=0, device="cpu")
    np.testing.assert_allclose(est.fit_transform(X), est.fit(X).transform(X))


def test_dataframe_in_names_kept_and_pandas_out() -> None:
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    est = _fit(encoding="distance").set_output(transform="pandas")
    est.fit(frame)
    assert est.feature_names_in_.tolist() == ["a", "b", "c"]
    out = est.transform(frame)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(
        est.get_feature_names_out())
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        est.get_feature_names_out(["x", "y", "z"])
    assert isinstance(est.set_output(transform="default").transform(frame), np.ndarray)


def test_unknown_encoding_is_named() -> None:
    with pytest.raises(ValueError, match="encoding='coords' is not valid.*'activation'"):
        _fit(encoding="coords")
