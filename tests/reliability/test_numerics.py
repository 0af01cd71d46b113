"""Numerical edge cases: results agree with float64 references, or are documented errors
and warnings.

Each fit is held against float64 references (tests/float64_reference.py): the
quantization error, the BMUs and the topographic error of the trained codebook,
recomputed from their definitions, and, where the path of training is well defined, the
same fit run by a float64 map.
"""

from __future__ import annotations

import math
import warnings

import float64_reference as ref
import pytest
import torch

from torchsom import SOM
from torchsom._validation import magnitude_limit
from torchsom.exceptions import TorchSOMWarning

GEN = torch.Generator().manual_seed(11)
BASE = torch.randn(60, 4, generator=GEN)


def _fit_and_measure(data: torch.Tensor, trajectory: bool = True, **kwargs) -> SOM:
    """Fit a small map on ``data`` and hold it against the float64 references.

    ``trajectory=False`` skips the float64 twin fit where ties (not rounding) decide the
    path of training; the callers say why.
    """
    settings = dict(x=4, y=3, num_features=data.shape[1], epochs=3, batch_size=8, device="cpu")
    settings.update(kwargs)
    som = SOM(**settings)
    som.initialize_weights(data, mode=settings.get("initialization_mode", "random"))
    q, t = som.fit(data, verbose=False)
    assert len(q) == len(t) == settings["epochs"]
    assert all(v >= 0 for v in q)
    if som.x * som.y > 1:
        assert all(0.0 <= v <= 100.0 for v in t)
    ref.check_map(som, data)
    if trajectory:
        ref.check_fit(som, data, settings)
    return som


@pytest.mark.parametrize("scale", [1e-8, 1e-4, 1.0, 1e4, 1e8])
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize("distance", ["euclidean", "cosine", "manhattan", "chebyshev"])
def test_feature_scales(scale: float, algorithm: str, distance: str) -> None:
    som = _fit_and_measure(BASE * scale, algorithm=algorithm, distance_function=distance)
    if distance == "euclidean":
        # the quantization error scales with the data
        assert som.quantization_error(BASE * scale) < 10 * scale


@pytest.mark.parametrize("mode", ["random", "pca"])
def test_mixed_feature_scales(mode: str) -> None:
    scales = torch.tensor([1e-8, 1.0, 1e4, 1e8])
    data = BASE * scales
    # float32 cannot tell the 1e4 feature apart next to the 1e8 one (a relative 1e-8 is
    # below its resolution): the PCA grid's short axis is a tie, so the float64 twin may
    # take another path; the trained map still meets the references
    som = _fit_and_measure(data, trajectory=mode == "random", initialization_mode=mode,
                           algorithm="batch")
    # every feature of the codebook stays within the range of its data
    low, high = data.min(0).values, data.max(0).values
    flat = som.weights.reshape(-1, 4)
    span = high - low
    assert ((flat >= low - span) & (flat <= high + span)).all()


def test_scale_in_float64_map() -> None:
    data = BASE.double() * 1e100
    som = SOM(3, 3, 4, epochs=2, device="cpu").double()
    som.initialize_weights(data)
    som.fit(data, verbose=False)
    assert som.weights.dtype == torch.float64
    ref.check_map(som, data)


def test_overflowing_magnitude_is_a_documented_error() -> None:
    limit = magnitude_limit(torch.float32, 4)
    assert 1e18 < limit < 1e19
    som = SOM(3, 3, 4, device="cpu")
    before = som.weights.clone()
    data = BASE.clone()
    data[5, 2] = 2 * limit
    for call in (som.fit, som.initialize_weights, som.identify_bmus, som.quantization_error,
                 som.topographic_error):
        with pytest.raises(ValueError, match="values up to .* in magnitude.*Standardise"):
            call(data)
    assert torch.equal(som.weights, before)
    data[5, 2] = limit / 2  # just below the limit: fine
    som.fit(data, verbose=False)
    ref.check_map(som, data)


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize("distance", ["euclidean", "cosine"])
def test_constant_features_and_duplicates(algorithm: str, distance: str) -> None:
    data = BASE.clone()
    data[:, 1] = 3.0  # constant feature
    data[30:] = data[:30]  # every sample twice
    _fit_and_measure(data, algorithm=algorithm, distance_function=distance)
    _fit_and_measure(data, algorithm=algorithm, distance_function=distance,
                     initialization_mode="pca")


@pytest.mark.parametrize("distance", ["euclidean", "cosine", "manhattan", "chebyshev"])
@pytest.mark.parametrize("mode", ["random", "pca"])
def test_all_samples_identical(distance: str, mode: str) -> None:
    data = torch.ones(20, 4) * 2.5
    som = _fit_and_measure(data, distance_function=distance, initialization_mode=mode)
    if distance != "cosine":
        assert som.quantization_error(data) < 1e-3


def test_all_zero_data_with_cosine() -> None:
    # cosine distance of zero vectors is defined as 1 (norms are clamped), never NaN
    som = _fit_and_measure(torch.zeros(10, 4), distance_function="cosine")
    assert som.quantization_error(torch.zeros(10, 4)) == 1.0


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_single_sample(algorithm: str) -> None:
    sample = BASE[:1]
    som = _fit_and_measure(sample, algorithm=algorithm, epochs=20, learning_rate=0.9)
    # the BMU converges onto the only sample
    assert som.quantization_error(sample) < 0.1 * float(BASE[0].norm())
    with pytest.raises(ValueError, match="PCA initialization needs at least 2 samples"):
        som.initialize_weights(sample, mode="pca")


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_one_by_one_map(algorithm: str) -> None:
    som = _fit_and_measure(BASE, x=1, y=1, algorithm=algorithm)
    # the single neuron moves to (near) the data mean
    assert torch.allclose(som.weights.reshape(-1), BASE.mean(0), atol=0.35)
    assert all(math.isnan(v) for v in som.topographic_errors_)
    with pytest.warns(TorchSOMWarning, match="not defined for a 1-by-1 map"):
        assert math.isnan(som.topographic_error(BASE))
    assert torch.equal(som.identify_bmus(BASE), torch.zeros(60, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="PCA"):
        som.initialize_weights(BASE[:, :1].repeat(1, 4)[:1], mode="pca")


@pytest.mark.parametrize(("x", "y"), [(1, 7), (7, 1), (1, 2)])
@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("mode", ["random", "pca"])
def test_line_maps(x: int, y: int, topology: str, mode: str) -> None:
    _fit_and_measure(BASE, x=x, y=y, topology=topology, initialization_mode=mode)


@pytest.mark.parametrize("pbc", [False, True])
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_more_neurons_than_samples(pbc: bool, algorithm: str) -> None:
    data = BASE[:3]
    # 120 neurons start as copies of 3 samples: exact ties, broken apart by rounding, decide
    # which copy wins, so a float64 twin takes another path
    som = _fit_and_measure(data, trajectory=False, x=10, y=12, pbc=pbc, algorithm=algorithm)
    hits = torch.bincount(som.identify_bmus(data)[:, 0] * 12 + som.identify_bmus(data)[:, 1],
                          minlength=120)
    assert int(hits.sum()) == 3


@pytest.mark.parametrize("sigma", [1e-6, 0.01, 50.0])
@pytest.mark.parametrize("neighborhood", ["gaussian", "mexican_hat", "bubble", "triangle"])
def test_extreme_sigma(sigma: float, neighborhood: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)  # sigma larger than the map
        _fit_and_measure(BASE, sigma=sigma, neighborhood_function=neighborhood,
                         learning_rate=0.3)


def test_large_sigma_warns() -> None:
    with pytest.warns(TorchSOMWarning, match="sigma=50.0 is larger than the map diagonal"):
        SOM(3, 3, 4, sigma=50.0, device="cpu")


@pytest.mark.parametrize("learning_rate", [1e-9, 1.0, 1.9])
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_learning_rate_range(learning_rate: float, algorithm: str) -> None:
    _fit_and_measure(BASE, learning_rate=learning_rate, algorithm=algorithm, batch_size=1)


@pytest.mark.parametrize("batch_size", [1, 59, 60, 1000])
def test_batch_size_edges(batch_size: int) -> None:
    _fit_and_measure(BASE, batch_size=batch_size)


def test_half_precision_inputs_are_upcast() -> None:
    data = (BASE * 1e3).half()
    _fit_and_measure(data)


def test_integer_data_extremes() -> None:
    data = torch.tensor([[0, 2**31 - 1, -(2**31)], [5, 7, 9]] * 5, dtype=torch.int64)
    _fit_and_measure(data)
