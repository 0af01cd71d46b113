"""Regression tests for scale and clarity problems found by an adversarial review
(issue 16, items 13-15).

Each test failed on the code before its fix. Costs are checked by counting the work
done (distance entries), not by timing.
"""

from __future__ import annotations

import warnings

import pytest
import torch

from torchsom import SOM
from torchsom.clustering import metrics as cluster_metrics
from torchsom.clustering.metrics import (
    GridSpec,
    clustering_metrics,
    silhouette_score,
    topological_quality,
)
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional import maps as map_kernels

DATA = torch.randn(80, 3, generator=torch.Generator().manual_seed(11))


# ---------------------------------------------------------------------------- item 13
def _blobs(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 4 + 1
    centres = torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])
    points = centres[labels - 1] + torch.randn(n, 2, generator=generator)
    return points.double(), labels


@pytest.fixture()
def counted_distances(monkeypatch):
    """Count the entries of every euclidean distance block the metrics compute."""
    count = {"entries": 0}
    real = torch.cdist

    def counting(a, b, *args, **kwargs):
        out = real(a, b, *args, **kwargs)
        count["entries"] += out.numel()
        return out

    monkeypatch.setattr(torch, "cdist", counting)
    return count


def test_silhouette_above_the_limit_is_sampled_and_says_so(counted_distances,
                                                           monkeypatch) -> None:
    monkeypatch.setattr(cluster_metrics, "EXACT_METRICS_LIMIT", 1000)
    monkeypatch.setattr(cluster_metrics, "METRICS_SAMPLE_SIZE", 300)
    n = 1500
    points, labels = _blobs(n)
    out = clustering_metrics(points, labels)
    assert out["sample_size"] == 300
    assert counted_distances["entries"] <= 300 * n + 16 * 16
    counted_distances["entries"] = 0
    exact = clustering_metrics(points, labels, sample_size=None)
    assert exact["sample_size"] is None
    assert counted_distances["entries"] >= n * n
    assert out["silhouette_score"] == pytest.approx(exact["silhouette_score"], abs=0.03)
    assert out["davies_bouldin_score"] == exact["davies_bouldin_score"]


def test_small_labellings_stay_exact() -> None:
    points, labels = _blobs(300)
    out = clustering_metrics(points, labels)
    assert out["sample_size"] is None
    assert out["silhouette_score"] == silhouette_score(points, labels)


def test_sampled_scores_are_close_repeatable_and_seeded() -> None:
    points, labels = _blobs(900)
    exact = silhouette_score(points, labels)
    sampled = silhouette_score(points, labels, sample_size=300)
    assert sampled == pytest.approx(exact, abs=0.03)
    assert sampled == silhouette_score(points, labels, sample_size=300)
    assert silhouette_score(points, labels, sample_size=300, random_state=1) != sampled
    grid_labels = (torch.arange(30 * 30) % 30 // 10) + 3 * (torch.arange(30 * 30) // 300)
    exact_q = topological_quality(grid_labels, 30, 30)
    sampled_q = topological_quality(grid_labels, 30, 30, sample_size=200)
    assert sampled_q == pytest.approx(exact_q, abs=0.02)
    assert topological_quality(grid_labels, 30, 30, sample_size=10**6) == exact_q
    with pytest.raises(InvalidParameterError, match="sample_size must be an int >= 2"):
        clustering_metrics(points, labels, sample_size=1)


def test_topological_quality_cost_is_bounded_by_the_sample(monkeypatch) -> None:
    entries = {"n": 0}  # grid distance entries, counted where they are square-rooted
    real_sqrt = torch.Tensor.sqrt_

    def counting_sqrt(self):
        entries["n"] += self.numel()
        return real_sqrt(self)

    grid_labels = torch.arange(60 * 60) % 5 + 1
    monkeypatch.setattr(torch.Tensor, "sqrt_", counting_sqrt)
    monkeypatch.setattr(torch.Tensor, "sqrt", counting_sqrt)
    topological_quality(grid_labels, 60, 60, sample_size=200)
    assert 0 < entries["n"] <= (200 + 2 * 5) * 3600


def test_cluster_on_a_large_map_reports_sampled_metrics(monkeypatch) -> None:
    monkeypatch.setattr(cluster_metrics, "EXACT_METRICS_LIMIT", 100)
    monkeypatch.setattr(cluster_metrics, "METRICS_SAMPLE_SIZE", 50)
    som = SOM(12, 12, 3, device="cpu", random_seed=1)
    som.initialize_weights(DATA)
    result = som.cluster(method="kmeans", n_clusters=3)
    assert result["metrics"]["sample_size"] == 50
    assert -1 <= result["metrics"]["silhouette_score"] <= 1
    assert 0 < result["metrics"]["topological_quality"] <= 1


def test_grid_spec_still_works_with_sampling() -> None:
    labels = torch.arange(20 * 20) % 4
    out = clustering_metrics(torch.randn(400, 3, dtype=torch.float64), labels,
                             grid=GridSpec(20, 20, "hexagonal", True), sample_size=100)
    assert out["sample_size"] == 100 and 0 < out["topological_quality"] <= 1


# ---------------------------------------------------------------------------- item 14
def _map() -> SOM:
    som = SOM(5, 5, 3, device="cpu", random_seed=3)
    som.initialize_weights(DATA)
    return som


def test_a_continuous_classification_target_warns() -> None:
    target = torch.randn(80, generator=torch.Generator().manual_seed(2))
    with pytest.warns(TorchSOMWarning, match=r"target has 80 distinct values among 80 samples.*"
                                             r"build_map\('metric'\)") as record:
        _map().build_map("classification", data=DATA, target=target)
    assert record[0].filename == __file__


def test_ordinary_labels_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", TorchSOMWarning)
        _map().build_map("classification", data=DATA, target=torch.arange(80) % 7)
        _map().build_map("classification", data=DATA[:30], target=torch.arange(30))  # few


def test_tie_break_in_small_memory_chunks_gives_the_same_map(monkeypatch) -> None:
    som = _map()
    target = torch.arange(80) % 40  # many ties between two samples of different labels
    expected = som.build_map("classification", data=DATA, target=target)
    monkeypatch.setattr(map_kernels, "_BUDGET", 64)  # one tied neuron per chunk
    chunked = som.build_map("classification", data=DATA, target=target)
    torch.testing.assert_close(chunked, expected, rtol=0, atol=0, equal_nan=True)


# ---------------------------------------------------------------------------- item 15
def test_finite_values_beyond_float32_are_reported_as_overflow_not_inf() -> None:
    som = SOM(3, 3, 3, device="cpu")
    data = torch.full((4, 3), 1e39, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"data has values up to 1e\+39 .*beyond the largest "
                                         r"torch.float32 value .*som.double\(\)") as info:
        som.identify_bmus(data)
    assert "inf value" not in str(info.value) and "Impute" not in str(info.value)
    half = SOM(3, 3, 3, device="cpu").half()
    with pytest.raises(ValueError, match=r"beyond the largest torch.float16 value"):
        half.identify_bmus(torch.full((2, 3), 10**6, dtype=torch.int32))
    real_inf = torch.tensor([[1.0, float("inf"), 0.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"data contains 1 inf value"):
        som.identify_bmus(real_inf)
    assert som.double().identify_bmus(data).shape == (4, 2)


def test_long_double_input_is_accepted_or_refused_clearly() -> None:
    np = pytest.importorskip("numpy")
    if np.dtype(np.longdouble).itemsize <= 8:
        pytest.skip("long double is float64 on this platform")
    som = SOM(3, 3, 3, device="cpu", random_seed=2)
    som.initialize_weights(DATA)
    long = DATA[:5].numpy().astype(np.longdouble)
    assert torch.equal(som.identify_bmus(long), som.identify_bmus(DATA[:5]))
    with pytest.raises(ValueError, match=r"data has 3 long-double .* beyond the float64 range"):
        som.double().identify_bmus(np.full((1, 3), np.longdouble("1e400")))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("distance", ["manhattan", "chebyshev"])
def test_half_precision_maps_work_with_every_distance(dtype, distance: str) -> None:
    som = SOM(4, 4, 3, epochs=2, device="cpu", random_seed=6, distance_function=distance)
    som.initialize_weights(DATA)
    exact = SOM(4, 4, 3, device="cpu", distance_function=distance, search_backend="torch")
    som.to(dtype)
    exact.load_state_dict({"weights": som.weights.float()})
    bmus = som.identify_bmus(DATA)
    agree = (bmus == exact.identify_bmus(DATA.to(dtype).float())).all(dim=1)
    assert float(agree.float().mean()) > 0.9  # half-precision distances may tie
    assert som._calculate_distances_to_neurons(DATA).dtype == dtype
    assert som.quantization_error(DATA) >= 0
    som.fit(DATA, verbose=False)
    assert som.weights.dtype == dtype and bool(torch.isfinite(som.weights).all())


def test_a_huge_index_in_a_bmus_map_is_a_clear_error() -> None:
    som = SOM(3, 3, 3, device="cpu")
    with pytest.raises(ValueError, match=r"bmus_data_map\[\(0, 1\)\] holds the sample index "
                                         r"100000000000000000000, beyond the int64 range"):
        som.build_map("hit", bmus_data_map={(0, 0): [0], (0, 1): [1, 10**20]})


@pytest.mark.parametrize("options", [5, "batch_size=3", [("batch_size", 3)]])
def test_non_dict_kwargs_in_map_configs_name_the_entry(options) -> None:
    som = SOM(3, 3, 3, device="cpu")
    with pytest.raises(TypeError, match=r"map_configs\[1\]\['kwargs'\] must be a dict of "
                                        r"options for the 'hit' map.* of type"):
        som.build_multiple_maps([{"type": "distance"}, {"type": "hit", "kwargs": options}],
                                DATA)
