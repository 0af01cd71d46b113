"""Property tests (hypothesis) over random grids, settings and data.

For any settings and any finite data: training keeps the weights finite, QE and TE equal
their float64 references (float64_reference.py), the hit map sums to the number of
samples, the U-matrix lies in [0, 1], ``identify_bmus`` agrees with a brute-force float64
reference, and save/load keeps the BMUs.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from pathlib import Path

import float64_reference as ref
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from torchsom import SOM
from torchsom.exceptions import TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS

# derandomized: the same examples on every run, so CI is reproducible
PROFILE = dict(max_examples=25, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def maps(draw) -> dict:
    """Constructor arguments of a small random map."""
    x = draw(st.integers(1, 6))
    y = draw(st.integers(1, 6))
    topology = draw(st.sampled_from(["rectangular", "hexagonal"]))
    pbc = draw(st.booleans())
    if topology == "hexagonal" and pbc and x % 2:
        x += 1
    algorithm = draw(st.sampled_from(["minibatch", "batch"]))
    neighborhoods = ["gaussian", "bubble", "triangle"]
    if algorithm == "minibatch":
        neighborhoods.append("mexican_hat")
    return dict(
        x=x, y=y, topology=topology, pbc=pbc, algorithm=algorithm,
        neighborhood_function=draw(st.sampled_from(neighborhoods)),
        distance_function=draw(st.sampled_from(["euclidean", "cosine", "manhattan",
                                                "chebyshev"])),
        lr_decay_function=draw(st.sampled_from(sorted(DECAY_FUNCTIONS))),
        sigma_decay_function=draw(st.sampled_from(sorted(DECAY_FUNCTIONS))),
        sigma=draw(st.floats(0.3, 3.0)),
        learning_rate=draw(st.floats(0.01, 1.0)),
        epochs=draw(st.integers(1, 3)),
        batch_size=draw(st.integers(1, 16)),
        neighborhood_order=draw(st.integers(1, 2)),
        random_seed=draw(st.integers(0, 2**32)),
        device="cpu",
    )


@st.composite
def datasets(draw) -> np.ndarray:
    """Finite float32 data, including degenerate sets (zeros, duplicates, constants)."""
    n = draw(st.integers(1, 30))
    features = draw(st.integers(1, 4))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    values = draw(hnp.arrays(np.float32, (n, features),
                             elements=st.floats(-1.0, 1.0, width=32)))
    return values * np.float32(scale)


def _trained(params: dict, data: np.ndarray) -> SOM:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TorchSOMWarning)
        som = SOM(num_features=data.shape[1], **params)
    som.initialize_weights(data)
    som.fit(data, verbose=False)
    return som


_SUBNORMAL_DATA = np.array([[1.1755e-41], [0.0]], dtype=np.float32)  # found by the search
_SUBNORMAL_MAP = {"x": 1, "y": 2, "topology": "rectangular", "pbc": False,
                  "algorithm": "minibatch", "neighborhood_function": "gaussian",
                  "distance_function": "euclidean", "lr_decay_function": "asymptotic_decay",
                  "sigma_decay_function": "asymptotic_decay", "sigma": 1.0,
                  "learning_rate": 1.0, "epochs": 1, "batch_size": 1,
                  "neighborhood_order": 1, "random_seed": 0, "device": "cpu"}


@settings(**PROFILE)
@given(params=maps(), data=datasets())
@example(params=_SUBNORMAL_MAP, data=_SUBNORMAL_DATA)
@example(params={**_SUBNORMAL_MAP, "y": 1}, data=_SUBNORMAL_DATA)
def test_training_stays_finite_and_errors_match_float64(params: dict, data: np.ndarray) -> None:
    som = _trained(params, data)
    assert torch.isfinite(som.weights).all()
    assert all(q >= 0 for q in som.quantization_errors_)
    ref.check_map(som, torch.from_numpy(data))  # BMUs, QE and TE against float64
    if som.x * som.y == 1:
        with pytest.warns(TorchSOMWarning):
            assert math.isnan(som.topographic_error(data))
    else:
        assert all(0.0 <= t <= 100.0 for t in som.topographic_errors_)


@settings(**PROFILE)
@given(params=maps(), data=datasets())
def test_identify_bmus_matches_brute_force(params: dict, data: np.ndarray) -> None:
    som = _trained(params, data)
    samples = torch.from_numpy(data)
    bmus = som.identify_bmus(samples)
    assert bmus.dtype == torch.int64 and bmus.shape == (len(data), 2)
    flat = bmus[:, 0] * som.y + bmus[:, 1]
    codebook = som.weights.detach().reshape(-1, som.num_features)
    reference = ref.distances(samples, codebook, params["distance_function"])
    chosen = reference.gather(1, flat[:, None])[:, 0]
    best = reference.min(1).values
    # the chosen unit is a nearest one (ties and float32 rounding aside)
    tolerance = 1e-4 * (1.0 + reference.abs().amax(1))
    assert (chosen - best <= tolerance).all()


@settings(**PROFILE)
@given(params=maps(), data=datasets())
def test_hit_map_and_u_matrix(params: dict, data: np.ndarray) -> None:
    som = _trained(params, data)
    hits = som.build_map("hit", data=data)
    assert hits.shape == (som.x, som.y)
    assert float(hits.sum()) == len(data)
    assert (hits >= 0).all()
    umatrix = som.build_map("distance")
    assert umatrix.shape == (som.x, som.y)
    finite = umatrix[torch.isfinite(umatrix)]
    assert finite.numel() == umatrix.numel() or som.x * som.y == 1
    assert ((finite >= 0) & (finite <= 1)).all()


@settings(**dict(PROFILE, max_examples=15))
@given(params=maps(), data=datasets())
def test_save_load_keeps_bmus(params: dict, data: np.ndarray) -> None:
    som = _trained(params, data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "map.som"
        som.save(path)
        loaded = SOM.load(path)
    assert torch.equal(loaded.weights, som.weights)
    assert torch.equal(loaded.identify_bmus(data), som.identify_bmus(data))
    assert loaded.quantization_error(data) == som.quantization_error(data)


def test_cosine_distance_of_equal_vectors_is_not_negative() -> None:
    data = np.array([[5e-4, 6.25e-5, 6.25e-5]], dtype=np.float32)
    som = SOM(1, 2, 3, distance_function="cosine", device="cpu")
    som.initialize_weights(data)
    assert som.quantization_error(data) >= 0
    assert (som.build_map("distance") >= 0).all()
