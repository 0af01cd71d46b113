"""Training, search and imputation on data with missing values (NaN).

The masked rules are checked against naive float64 references written from their
definitions: distances over the observed features (rescaled by F / F_obs for reporting),
updates of the observed features only. Both array backends are forced in turn; tests
marked ``gpu`` repeat the torch backend on CUDA.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom import SOM
from torchsom._engine import FitPlan, search_bmus, train_epochs
from torchsom._engine.online import per_step_schedule
from torchsom._engine.variants import build_variant_rule
from torchsom.configs import SOMConfig
from torchsom.exceptions import InvalidParameterError
from torchsom.functional.bmu import topk_bmus
from torchsom.functional.decay import asymptotic_decay
from torchsom.functional.distances import CROSS_DISTANCE_FUNCTIONS, euclidean_cross
from torchsom.functional.masked import fill_with_mean, masked_topk_bmus, observed_mean
from torchsom.functional.metrics import EpochErrors, non_adjacent
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS, elementwise
from torchsom.functional.smoothing import GridIndex
from torchsom.topology.coordinates import (
    adjacency_threshold,
    grid_distance_sq,
    grid_periods,
    grid_positions,
)

X, Y, FEATURES = 4, 5, 4
SCHEDULE = [(0.8, 2.1), (0.5, 1.3), (0.3, 0.7)]
ONLINE_LR, ONLINE_SIGMA = 0.6, 2.1
STEP_SCHEDULE = per_step_schedule(asymptotic_decay, ONLINE_LR, asymptotic_decay, ONLINE_SIGMA)


# ---------------------------------------------------------------------------- references
def masked_sq(x, weights):
    """Σ_f m_f (x_f − w_f)² for samples (m, F) against weights (n, F): (m, n)."""
    observed = ~torch.isnan(x)
    diff = torch.where(observed[:, None, :], x[:, None, :] - weights[None], 0.0)
    return (diff * diff).sum(-1)


def scale(x):
    return x.shape[1] / (~torch.isnan(x)).sum(1).double()


def reference_fit(codebook, data, orders, algorithm, batch, positions, periods, topology):
    """The three masked rules from their definitions, float64: weights, QE, TE."""
    weights, samples = codebook.double().clone(), data.double()
    observed = (~torch.isnan(samples)).double()
    filled = torch.nan_to_num(samples, nan=0.0)
    neighbourhood_sq = grid_distance_sq(positions.double(), torch.arange(weights.shape[0]),
                                        periods)
    gaussian = elementwise(NEIGHBORHOOD_FUNCTIONS["gaussian"])
    threshold = adjacency_threshold(topology)
    quantization, topographic = [], []
    steps = len(orders) * len(data)
    lrs, sigmas = STEP_SCHEDULE(np.arange(steps), steps)
    step = 0

    def record(index_list, found):
        best2 = found.topk(2, dim=1, largest=False)
        dist = (best2.values[:, 0] * scale(samples[index_list])).sqrt()
        wrong = non_adjacent(best2.indices[:, 0], best2.indices[:, 1], positions, threshold,
                             periods)
        return dist.tolist(), wrong.tolist()

    for (lr, sigma), order in zip(SCHEDULE, orders):
        distances, wrongs = [], []
        if algorithm == "batch":
            found = masked_sq(samples, weights)
            d, w = record(torch.arange(len(samples)), found)
            distances += d
            wrongs += w
            h = gaussian(neighbourhood_sq, sigma)  # h[bmu, neuron]
            hits = torch.nn.functional.one_hot(found.argmin(1), weights.shape[0]).double()
            numerator = h.T @ (hits.T @ filled)
            denominator = h.T @ (hits.T @ observed)
            ok = denominator > 1e-12 * denominator.max()
            target = numerator / torch.where(ok, denominator, 1.0)
            weights = torch.where(ok, weights + min(lr, 1.0) * (target - weights), weights)
        elif algorithm == "minibatch":
            h = gaussian(neighbourhood_sq, sigma)
            for start in range(0, len(order), batch):
                index = order[start : start + batch]
                found = masked_sq(samples[index], weights)
                d, w = record(index, found)
                distances += d
                wrongs += w
                rows = h[found.argmin(1)]  # (b, n)
                numerator = rows.T @ filled[index]
                denominator = rows.T @ observed[index]
                weights = weights + lr / len(index) * (numerator - denominator * weights)
        else:
            for index in order.tolist():
                found = masked_sq(samples[index : index + 1], weights)
                d, w = record([index], found)
                distances += d
                wrongs += w
                h = gaussian(neighbourhood_sq[found.argmin(1)[0]], float(sigmas[step]))
                weights = weights + float(lrs[step]) * h[:, None] * observed[index] * (
                    filled[index] - weights)
                step += 1
        quantization.append(float(np.mean(distances)))
        topographic.append(100.0 * float(np.mean(wrongs)))
    return weights, quantization, topographic


# ---------------------------------------------------------------------------- engine runs
def _grid(topology, pbc, dtype=torch.float64, device="cpu"):
    rows, cols = grid_positions(X, Y, topology, dtype=dtype, device=device)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), 1)
    return positions, grid_periods(X, Y, topology) if pbc else None


def _plan(algorithm, batch, topology, pbc, backend, dtype=torch.float64, device="cpu"):
    positions, periods = _grid(topology, pbc, dtype, device)
    return FitPlan(
        algorithm=algorithm, epochs=len(SCHEDULE), batch_size=batch,
        schedule=lambda epoch: SCHEDULE[epoch], neighborhood=NEIGHBORHOOD_FUNCTIONS["gaussian"],
        cross_distance=euclidean_cross, grid=GridIndex(X, Y, topology, positions, periods),
        errors=EpochErrors(positions, adjacency_threshold(topology), periods),
        generator=torch.Generator().manual_seed(7), backend=backend,
        step_schedule=STEP_SCHEDULE, missing_values="ignore",
    )


def _orders(n):
    generator = torch.Generator().manual_seed(7)
    return [torch.randperm(n, generator=generator) for _ in SCHEDULE]


def _case(dtype=torch.float64, n=41, missing=0.3, seed=0, offset=0.0):
    gen = torch.Generator().manual_seed(seed)
    data = torch.randn(n, FEATURES, generator=gen, dtype=torch.float64) + offset
    codebook = data[torch.randperm(n, generator=gen)[: X * Y]] + 0.1 * torch.randn(
        X * Y, FEATURES, generator=gen, dtype=torch.float64)
    holes = torch.rand(n, FEATURES, generator=gen) < missing
    holes[holes.all(dim=1), 0] = False  # every row keeps an observed value
    return data.masked_fill(holes, float("nan")).to(dtype), codebook.to(dtype)


def _check(algorithm, backend, topology="rectangular", pbc=False, dtype=torch.float64,
           device="cpu", batch=8, offset=0.0):
    data, codebook = _case(dtype, offset=offset)
    trained = codebook.clone().to(device)
    q, t = train_epochs(_plan(algorithm, batch, topology, pbc, backend, dtype, device),
                        trained, data.to(device))
    positions, periods = _grid(topology, pbc)
    expected, q_ref, t_ref = reference_fit(codebook, data, _orders(len(data)), algorithm,
                                           batch, positions, periods, topology)
    tolerance = 2e-4 if dtype == torch.float32 else 1e-9
    torch.testing.assert_close(trained.cpu().double(), expected, rtol=tolerance,
                               atol=tolerance * (1 + abs(offset)))
    np.testing.assert_allclose(q, q_ref, rtol=tolerance * 10)
    np.testing.assert_allclose(t, t_ref, atol=1e-4)
    assert not torch.equal(trained.cpu(), codebook)


ALGORITHMS = ["minibatch", "batch", "online"]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize(("topology", "pbc"), [("rectangular", False), ("hexagonal", False),
                                               ("rectangular", True)])
def test_masked_rules_match_the_reference(backend, algorithm, topology, pbc):
    _check(algorithm, backend, topology, pbc)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_masked_rules_in_float32_far_from_the_origin(backend, algorithm):
    _check(algorithm, backend, dtype=torch.float32, offset=100.0)


@pytest.mark.parametrize("batch", [1, 41])
def test_masked_minibatch_with_single_and_whole_batches(batch):
    _check("minibatch", "numpy", batch=batch)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_feature_never_observed_never_moves(algorithm):
    data, codebook = _case()
    data[:, 2] = float("nan")
    trained = codebook.clone()
    train_epochs(_plan(algorithm, 8, "rectangular", False, None), trained, data)
    torch.testing.assert_close(trained[:, 2], codebook[:, 2], rtol=0, atol=0)
    assert not torch.equal(trained[:, 0], codebook[:, 0])


def test_masked_rules_need_the_euclidean_distance():
    data, codebook = _case()
    plan = _plan("minibatch", 8, "rectangular", False, None)
    plan.cross_distance = CROSS_DISTANCE_FUNCTIONS["cosine"]
    with pytest.raises(ValueError, match="distance_function='euclidean'"):
        build_variant_rule(plan, codebook, data, masked=True)
    with pytest.raises(ValueError, match="euclidean distance"):
        search_bmus(data, codebook, CROSS_DISTANCE_FUNCTIONS["cosine"], missing=True)


# ---------------------------------------------------------------------------- search
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("prefer_numpy", [True, False])
def test_masked_search_matches_brute_force(k, prefer_numpy):
    data, codebook = _case(n=57)
    dist, idx = masked_topk_bmus(data, codebook, k=k, chunk_size=10,
                                 prefer_numpy=prefer_numpy)
    found = masked_sq(data, codebook)
    expected = found.topk(k, dim=1, largest=False)
    torch.testing.assert_close(idx, expected.indices)
    torch.testing.assert_close(dist, (expected.values * scale(data)[:, None]).sqrt())


def test_masked_search_of_complete_data_is_the_plain_search():
    data, codebook = _case(missing=0.0)
    masked = masked_topk_bmus(data, codebook, k=2)
    plain = topk_bmus(data, codebook, euclidean_cross, k=2)
    torch.testing.assert_close(masked[1], plain[1])
    torch.testing.assert_close(masked[0], plain[0])


def test_observed_mean_and_fill():
    data = torch.tensor([[1.0, float("nan")], [3.0, float("nan")], [float("nan"), float("nan")]])
    torch.testing.assert_close(observed_mean(data), torch.tensor([2.0, 0.0]))
    torch.testing.assert_close(fill_with_mean(data),
                               torch.tensor([[1.0, 0.0], [3.0, 0.0], [2.0, 0.0]]))


# ---------------------------------------------------------------------------- the SOM API
def _som(**kwargs):
    settings = dict(x=X, y=Y, num_features=FEATURES, epochs=3, sigma=1.5, device="cpu",
                    missing_values="ignore", max_missing_fraction=0.75)
    settings.update(kwargs)
    return SOM(**settings)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_som_fits_data_with_holes(algorithm):
    from sklearn.datasets import make_blobs

    blobs, _ = make_blobs(n_samples=300, n_features=FEATURES, centers=3, cluster_std=0.3,
                          random_state=0)
    data = torch.tensor(blobs, dtype=torch.float32)
    data[torch.rand(data.shape, generator=torch.Generator().manual_seed(0)) < 0.2] = float("nan")
    data[torch.isnan(data).all(dim=1), 0] = 0.0
    som = _som(algorithm=algorithm, epochs=5)
    before = som.quantization_error(data)
    q, t = som.fit(data, verbose=False)
    assert len(q) == len(t) == 5 and all(np.isfinite(q))
    assert bool(torch.isfinite(som.weights).all())
    assert som.quantization_error(data) < 0.3 * before


@pytest.mark.parametrize("mode", ["random", "pca"])
def test_initialisation_from_data_with_holes(mode):
    data, _ = _case(torch.float32, n=200)
    som = _som()
    som.initialize_weights(data, mode=mode)
    assert bool(torch.isfinite(som.weights).all())
    if mode == "random":  # copies of rows, their holes at the feature's observed mean
        filled = fill_with_mean(data)
        rows = som.weights.reshape(-1, FEATURES)
        assert all(bool((filled == row).all(dim=1).any()) for row in rows)


def test_ignore_mode_on_complete_data_is_the_plain_fit():
    data, _ = _case(torch.float32, n=100, missing=0.0)
    strict = SOM(X, Y, FEATURES, epochs=2, sigma=1.5, device="cpu")
    lenient = _som(epochs=2)
    strict.fit(data, verbose=False)
    lenient.fit(data, verbose=False)
    torch.testing.assert_close(strict.weights, lenient.weights, rtol=0, atol=0)


def test_bmus_and_errors_of_rows_with_holes():
    data, codebook = _case(torch.float32, n=60)
    som = _som()
    som.weights.data.copy_(codebook.reshape(X, Y, FEATURES))
    found = masked_sq(data.double(), codebook.double())
    best = found.argmin(1)
    bmus = som.identify_bmus(data)
    torch.testing.assert_close(bmus[:, 0] * Y + bmus[:, 1], best)
    expected_qe = float((found.min(1).values * scale(data.double())).sqrt().mean())
    assert som.quantization_error(data) == pytest.approx(expected_qe, rel=1e-5)
    second = found.topk(2, dim=1, largest=False).indices[:, 1]
    wrong = non_adjacent(best, second, som._positions, 1.5, None).float().mean()
    assert som.topographic_error(data) == pytest.approx(float(wrong))
    single = som.identify_bmus(data[3])
    assert single.tolist() == bmus[3].tolist()


def test_impute_fills_holes_from_the_bmu():
    data, codebook = _case(torch.float32, n=60)
    som = _som()
    som.weights.data.copy_(codebook.reshape(X, Y, FEATURES))
    best = masked_sq(data.double(), codebook.double()).argmin(1)
    expected = torch.where(torch.isnan(data), codebook[best], data)
    filled = som.impute(data)
    assert isinstance(filled, torch.Tensor)
    torch.testing.assert_close(filled, expected, rtol=0, atol=0)
    as_numpy = som.impute(data.numpy())
    assert isinstance(as_numpy, np.ndarray)
    np.testing.assert_array_equal(as_numpy, expected.numpy())
    np.testing.assert_array_equal(som.impute(data[5].tolist()), expected[5].numpy())
    complete = torch.nan_to_num(data)
    assert torch.equal(som.impute(complete), complete)  # nothing to fill
    strict = SOM(X, Y, FEATURES, device="cpu", max_missing_fraction=1.0)  # either mode
    assert not np.isnan(strict.impute(data.numpy())).any()


def test_default_mode_still_rejects_nan():
    data, _ = _case(torch.float32)
    som = SOM(X, Y, FEATURES, device="cpu")
    with pytest.raises(ValueError, match="NaN"):
        som.fit(data, verbose=False)
    with pytest.raises(ValueError, match="NaN"):
        som.identify_bmus(data)


def test_entirely_missing_row_is_named():
    data, _ = _case(torch.float32)
    data[7] = float("nan")
    data[9] = float("nan")
    with pytest.raises(ValueError, match=r"data row 7 is entirely NaN \(2 such row"):
        _som().fit(data, verbose=False)
    with pytest.raises(ValueError, match="row 7 is entirely NaN"):
        _som().impute(data)


def test_rows_above_the_missing_fraction_are_counted():
    data, _ = _case(torch.float32, missing=0.0)
    data[3] = torch.tensor([float("nan")] * 3 + [1.0])  # 3 of 4 missing: above 0.5
    data[8] = torch.tensor([1.0] + [float("nan")] * 3)
    data[9, :2] = float("nan")  # 2 of 4: not above
    som = _som(max_missing_fraction=0.5)
    with pytest.raises(ValueError, match=r"2 row\(s\) with more than max_missing_fraction=0.5"
                                         r".*first is row 3"):
        som.fit(data, verbose=False)
    _som(max_missing_fraction=0.75).fit(data, verbose=False)  # 3/4 is allowed here


def test_inf_is_rejected_in_ignore_mode():
    data, _ = _case(torch.float32)
    data[4, 1] = float("inf")
    with pytest.raises(ValueError, match=r"1 inf value\(s\); the first is in row 4"):
        _som().fit(data, verbose=False)


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"missing_values": "drop"}, r"missing_values='drop'.*'error', 'ignore'"),
    ({"max_missing_fraction": 1.5}, r"max_missing_fraction must be in \(0, 1\]"),
    ({"max_missing_fraction": 0.0}, r"max_missing_fraction must be a finite real number > 0"),
    ({"distance_function": "cosine"}, r"missing_values='ignore' needs distance_function="),
])
def test_bad_settings_are_named(kwargs, pattern):
    with pytest.raises(InvalidParameterError, match=pattern):
        _som(**kwargs)


def test_settings_in_params_config_and_files(tmp_path):
    som = _som(max_missing_fraction=0.6)
    params = som.get_params()
    assert params["missing_values"] == "ignore" and params["max_missing_fraction"] == 0.6
    config = SOMConfig(x=X, y=Y, num_features=FEATURES, missing_values="ignore",
                       max_missing_fraction=0.6, algorithm="online")
    rebuilt = SOM.from_config(config)
    assert rebuilt.missing_values == "ignore" and rebuilt.algorithm == "online"
    with pytest.raises(ValueError, match="missing_values"):
        SOMConfig(x=X, y=Y, missing_values="drop")
    with pytest.raises(ValueError):
        SOMConfig(x=X, y=Y, max_missing_fraction=2.0)
    som.save(tmp_path / "map.som")
    loaded = SOM.load(tmp_path / "map.som")
    assert loaded.missing_values == "ignore" and loaded.max_missing_fraction == 0.6


# ---------------------------------------------------------------------------- CUDA
@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cuda_matches_the_reference(algorithm, dtype):
    _check(algorithm, "torch", dtype=dtype, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_som_search_and_impute():
    data, codebook = _case(torch.float32, n=60)
    som = _som(device="cuda")
    som.weights.data.copy_(codebook.reshape(X, Y, FEATURES))
    best = masked_sq(data.double(), codebook.double()).argmin(1)
    bmus = som.identify_bmus(data).cpu()
    torch.testing.assert_close(bmus[:, 0] * Y + bmus[:, 1], best)
    filled = som.impute(data.cuda())
    assert filled.device.type == "cuda" and not bool(torch.isnan(filled).any())
