"""Regression tests for wrong results found by an adversarial review (issue 16, items 1-7).

Each test failed on the code before its fix.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from torchsom import SOM
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning

DATA = torch.randn(60, 3, generator=torch.Generator().manual_seed(3))


def _pair(**kwargs) -> tuple[SOM, SOM]:
    """The same map twice: with the FAISS backend and with the exact torch backend."""
    pytest.importorskip("faiss")
    settings = dict(x=3, y=4, num_features=3, device="cpu", random_seed=5)
    settings.update(kwargs)
    fast = SOM(search_backend="faiss", **settings)
    exact = SOM(search_backend="torch", **settings)
    return fast, exact


# ---------------------------------------------------------------------------- item 1
def test_float64_map_is_not_searched_in_float32_by_faiss() -> None:
    fast, exact = _pair()
    fast.double()
    exact.double()
    huge = DATA.double() * 1e30  # beyond float32's range, fine in float64
    fast.initialize_weights(huge)
    exact.load_state_dict(fast.state_dict())
    bmus = fast.identify_bmus(huge)
    assert bool((bmus >= 0).all())
    assert torch.equal(bmus, exact.identify_bmus(huge))
    assert float(fast.build_map("hit", data=huge).sum()) == huge.shape[0]


def test_float64_map_with_offset_data_agrees_with_exact_search() -> None:
    fast, exact = _pair(x=5, y=5)
    fast.double()
    exact.double()
    shifted = DATA.double() + 1e7  # float32 keeps ~1 unit of resolution at 1e7
    fast.initialize_weights(shifted)
    exact.load_state_dict(fast.state_dict())
    assert torch.equal(fast.identify_bmus(shifted), exact.identify_bmus(shifted))


def test_auto_backend_on_a_float64_map_gives_exact_results() -> None:
    pytest.importorskip("faiss")
    auto = SOM(5, 5, 3, device="cpu", search_backend="auto").double()
    exact = SOM(5, 5, 3, device="cpu", search_backend="torch").double()
    shifted = DATA.double() + 1e7
    auto.initialize_weights(shifted)
    exact.load_state_dict(auto.state_dict())
    assert torch.equal(auto.identify_bmus(shifted), exact.identify_bmus(shifted))


@pytest.mark.parametrize("backend", ["torch", "faiss"])
def test_nan_weights_give_a_clear_error_not_an_invalid_index(backend: str) -> None:
    if backend == "faiss":
        pytest.importorskip("faiss")
    som = SOM(3, 4, 3, device="cpu", search_backend=backend)
    state = som.state_dict()
    state["weights"][1, 2, 0] = float("nan")
    state["weights"][0, 0, 1] = float("inf")
    som.load_state_dict(state)
    with pytest.raises(ValueError, match=r"weights contain 2 NaN or inf"):
        som.identify_bmus(DATA)
    with pytest.raises(ValueError, match=r"weights contain 2 NaN or inf"):
        som.build_map("hit", data=DATA)


def test_faiss_rows_without_a_result_are_searched_exactly() -> None:
    fast, exact = _pair()
    exact.load_state_dict(fast.state_dict())
    strategy = fast._search_strategy
    strategy.search(DATA, fast.weights.detach())  # builds the index
    real = strategy._index

    class Missing:  # an index that finds nothing for some rows, as FAISS does on inf
        def search(self, queries, k):
            dist, idx = real.search(queries, k)
            idx[1:4] = -1
            dist[1:4] = np.float32(3.4e38)
            return dist, idx

    strategy._index = Missing()
    bmus = fast.identify_bmus(DATA)
    assert torch.equal(bmus, exact.identify_bmus(DATA))
    dist, idx = strategy.search(DATA, fast.weights.detach(), k=2)
    assert bool((idx >= 0).all()) and bool(torch.isfinite(dist).all())


# ---------------------------------------------------------------------------- item 2
def _rows_forms():
    rows = DATA[:4]
    return {
        "list of numpy rows": [r for r in rows.numpy()],
        "list of tensor rows": [r for r in rows],
        "tuple of tensor rows": tuple(rows),
        "list of rows that require grad": [r.clone().requires_grad_(True) for r in rows],
        "list of lists": rows.tolist(),
    }


@pytest.mark.parametrize("form", list(_rows_forms()))
def test_a_list_of_rows_is_two_dimensional(form: str) -> None:
    som = SOM(3, 4, 3, device="cpu", random_seed=2)
    som.initialize_weights(DATA)
    data = _rows_forms()[form]
    expected = som.identify_bmus(DATA[:4])
    assert torch.equal(som.identify_bmus(data), expected)
    assert som._calculate_distances_to_neurons(data).shape == (4, 3, 4)
    assert torch.equal(som._calculate_distances_to_neurons(data),
                       som._calculate_distances_to_neurons(DATA[:4]))


def test_a_list_of_numbers_or_scalar_tensors_is_one_sample() -> None:
    som = SOM(3, 4, 3, device="cpu", random_seed=2)
    som.initialize_weights(DATA)
    expected = som.identify_bmus(DATA[0])
    assert expected.shape == (2,)
    assert torch.equal(som.identify_bmus(DATA[0].tolist()), expected)
    assert torch.equal(som.identify_bmus(list(DATA[0])), expected)  # 0-D tensors
    assert torch.equal(som.identify_bmus(list(DATA[0].numpy())), expected)


def test_mixed_lists_of_rows_are_two_dimensional() -> None:
    som = SOM(3, 4, 3, device="cpu", random_seed=2)
    som.initialize_weights(DATA)
    rows = DATA[:3]
    mixed = [rows[0].clone().requires_grad_(True), rows[1].tolist(),
             [rows[2, 0].clone().requires_grad_(True), float(rows[2, 1]), float(rows[2, 2])]]
    assert torch.equal(som.identify_bmus(mixed), som.identify_bmus(rows))
    halves = [rows[0].to(torch.bfloat16), rows[1].tolist()]
    assert som.identify_bmus(halves).shape == (2, 2)


def test_ragged_list_of_tensor_rows_is_refused() -> None:
    som = SOM(3, 4, 3, device="cpu")
    with pytest.raises(ValueError, match=r"data must be a rectangular array.*ragged"):
        som.identify_bmus([DATA[0], DATA[1, :2]])


# ---------------------------------------------------------------------------- item 3
def _trained_for_labels() -> SOM:
    som = SOM(3, 4, 3, device="cpu", random_seed=2)
    som.initialize_weights(DATA)
    return som


def test_large_integer_labels_stay_exact_in_the_classification_map() -> None:
    som = _trained_for_labels()
    labels = np.where(np.arange(60) % 2 == 0, 123456789, 123456790 + np.arange(60))
    out = som.build_map("classification", data=DATA, target=labels)
    seen = {int(v) for v in out[~torch.isnan(out)].tolist()}
    assert seen and seen <= set(labels.tolist())


@pytest.mark.parametrize("reduction", ["min", "max", "median", "mean"])
def test_large_integer_targets_stay_exact_in_the_metric_map(reduction: str) -> None:
    som = _trained_for_labels()
    target = np.full(60, 123456789)
    out = som.build_map("metric", data=DATA, target=target, reduction_parameter=reduction)
    assert out.dtype == torch.float64
    assert {float(v) for v in out[~torch.isnan(out)]} == {123456789.0}


def test_float64_targets_are_not_rounded_to_float32() -> None:
    som = _trained_for_labels()
    target = torch.full((60,), 0.1, dtype=torch.float64)
    out = som.build_map("metric", data=DATA, target=target, reduction_parameter="max")
    assert {float(v) for v in out[~torch.isnan(out)]} == {0.1}
    bmus = som.build_map("bmus_data", data=DATA, return_indices=True)
    _, outputs = som.collect_samples(DATA[0], DATA, target, bmus)
    assert outputs.dtype == torch.float64 and bool((outputs == 0.1).all())


def test_float32_targets_keep_float32_maps() -> None:
    som = _trained_for_labels()
    target = torch.arange(60, dtype=torch.float32) % 5
    for kind in ("metric", "classification"):
        assert som.build_map(kind, data=DATA, target=target).dtype == torch.float32


def test_integer_labels_beyond_float64_precision_are_refused() -> None:
    som = _trained_for_labels()
    labels = np.full(60, 2**60, dtype=np.int64)
    with pytest.raises(ValueError, match=r"target holds integer labels up to .*2\*\*53"):
        som.build_map("classification", data=DATA, target=labels)


# ---------------------------------------------------------------------------- item 4
@pytest.mark.parametrize(
    ("name", "value"),
    [("learning_rate", -0.5), ("sigma", -2.0), ("sigma", float("inf")), ("epochs", 0),
     ("batch_size", -3), ("learning_rate", "fast"), ("algorithm", "sequential"),
     ("missing_values", "drop"), ("max_missing_fraction", 1.5)],
)
def test_invalid_setting_changed_after_construction_stops_fit(name: str, value) -> None:
    som = SOM(4, 4, 3, epochs=2, device="cpu", random_seed=1)
    som.initialize_weights(DATA)
    before = som.weights.detach().clone()
    setattr(som, name, value)
    with pytest.raises(InvalidParameterError, match=name):
        som.fit(DATA, verbose=False)
    assert torch.equal(som.weights, before)
    assert som.epochs_trained_ == 0


@pytest.mark.parametrize(
    ("name", "value", "pattern"),
    [("x", 4, "size of a map cannot change"), ("num_features", 5, "weights have shape"),
     ("topology", "hexagonal", "topology was changed"),
     ("distance_function", "cosine", "distance_function was changed"),
     ("lr_decay_function", "lr_linear_decay_to_zero", "lr_decay_function was changed"),
     ("search_backend", "faiss", "search_backend was changed")],
)
def test_structural_setting_changed_after_construction_is_refused(
    tmp_path, name: str, value, pattern: str
) -> None:
    som = SOM(3, 4, 3, epochs=1, device="cpu", search_backend="torch")
    setattr(som, name, value)
    with pytest.raises(InvalidParameterError, match=pattern):
        som.fit(DATA, verbose=False)
    with pytest.raises(InvalidParameterError, match=rf"Cannot save this SOM: .*{pattern}"):
        som.save(tmp_path / "changed.som")
    assert not (tmp_path / "changed.som").exists()


def test_valid_setting_changes_still_train_and_save(tmp_path) -> None:
    som = SOM(3, 4, 3, epochs=1, device="cpu")
    som.learning_rate, som.sigma, som.epochs, som.algorithm = 0.3, 0.8, 2, "batch"
    som.fit(DATA, verbose=False)
    assert som.epochs_trained_ == 2
    som.save(tmp_path / "ok.som")
    assert SOM.load(tmp_path / "ok.som").learning_rate == 0.3


# ---------------------------------------------------------------------------- item 5
def _euclid(data: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    return (data[:, None, None, :] - weights[None]).norm(dim=-1)  # (b, x, y)


def transposed_distance(data, weights):
    return _euclid(data, weights).permute(1, 2, 0)  # (x, y, b): same element count


def nan_distance(data, weights):
    return torch.full_like(_euclid(data, weights), float("nan"))


def short_distance(data, weights):
    return _euclid(data, weights)[:, :, :-1]


def list_distance(data, weights):
    return _euclid(data, weights).tolist()


def meta_distance(data, weights):
    return torch.empty(_euclid(data, weights).shape, device="meta")


@pytest.mark.parametrize(
    ("fn", "error", "pattern"),
    [
        (transposed_distance, ValueError, r"'transposed_distance' must return shape .*"
                                          r"\(5, 1, 12\).*returned shape \(1, 12, 5\)"),
        (nan_distance, ValueError, r"'nan_distance' returned 60 NaN and 0 inf"),
        (short_distance, ValueError, r"'short_distance' must return shape .*returned shape"),
        (list_distance, TypeError, r"'list_distance' must return a real torch.Tensor"),
        (meta_distance, ValueError, r"'meta_distance' must return a tensor on the data's "
                                    r"device \(cpu\); it returned one on meta"),
    ],
)
def test_custom_distance_results_are_checked(fn, error, pattern: str) -> None:
    som = SOM(3, 4, 3, epochs=1, batch_size=5, device="cpu", distance_function=fn)
    som.initialize_weights(DATA)
    before = som.weights.detach().clone()
    with pytest.raises(error, match=pattern):
        som.identify_bmus(DATA[:5])
    with pytest.raises(error, match=pattern):
        som._calculate_distances_to_neurons(DATA[:5])
    with pytest.raises(error, match=pattern.replace("(5, 1, 12)", r"\(\d+, 1, 12\)")):
        som.fit(DATA, verbose=False)
    assert torch.equal(som.weights, before)


def test_a_correct_custom_distance_matches_the_builtin() -> None:
    custom = SOM(3, 4, 3, device="cpu", distance_function=_euclid, random_seed=4)
    builtin = SOM(3, 4, 3, device="cpu", random_seed=4, search_backend="torch")
    custom.initialize_weights(DATA)
    builtin.load_state_dict(custom.state_dict())
    assert torch.equal(custom.identify_bmus(DATA), builtin.identify_bmus(DATA))
    torch.testing.assert_close(custom._calculate_distances_to_neurons(DATA),
                               builtin._calculate_distances_to_neurons(DATA))


# ---------------------------------------------------------------------------- item 6
def test_masked_arrays_with_masked_entries_are_refused() -> None:
    som = SOM(3, 4, 3, epochs=1, device="cpu")
    values = DATA.numpy().copy()
    values[2, 1] = -999.0
    masked = np.ma.masked_equal(values, -999.0)
    before = som.weights.detach().clone()
    for call in (som.fit, som.identify_bmus, som.initialize_weights):
        with pytest.raises(ValueError, match=r"data is a masked numpy array with 1 masked entry"):
            call(masked)
    assert torch.equal(som.weights, before)
    target = np.ma.masked_less(np.arange(60.0), 1.0)
    with pytest.raises(ValueError, match=r"target is a masked numpy array with 1 masked"):
        som.build_map("metric", data=DATA, target=target)


def test_masked_arrays_without_masked_entries_are_plain_data() -> None:
    som = SOM(3, 4, 3, device="cpu")
    som.initialize_weights(DATA)
    unmasked = np.ma.masked_array(DATA.numpy(), mask=False)
    assert torch.equal(som.identify_bmus(unmasked), som.identify_bmus(DATA))


# ---------------------------------------------------------------------------- item 7
@pytest.mark.parametrize(
    ("bmus_map", "pattern"),
    [({(0, 0): [0, 1, 1]}, r"sample index 1 more than once \(under \(0, 0\) and \(0, 0\)\)"),
     ({(0, 0): [0, 2], (2, 3): [2]}, r"sample index 2 more than once \(under \(0, 0\) and "
                                     r"\(2, 3\)\)")],
)
def test_repeated_sample_indices_in_a_bmus_map_are_refused(bmus_map, pattern: str) -> None:
    som = SOM(3, 4, 3, device="cpu")
    with pytest.raises(ValueError, match=pattern):
        som.build_map("hit", bmus_data_map=bmus_map)
    with pytest.raises(ValueError, match=pattern):
        som.build_map("metric", target=torch.arange(3.0), bmus_data_map=bmus_map)
    with pytest.raises(ValueError, match=pattern.replace("bmus_data_map", "bmus_idx_map")):
        som.collect_samples(DATA[0], DATA[:3], torch.arange(3.0), bmus_map)


@pytest.mark.parametrize(("method", "k"), [("kmeans", None), ("kmeans", 3), ("gmm", 3)])
def test_clusters_without_samples_are_not_counted(method: str, k) -> None:
    som = SOM(4, 4, 3, device="cpu")
    with torch.no_grad():
        som.weights.fill_(0.5)  # constant codebook: one distinct row
    with pytest.warns(TorchSOMWarning, match=r"only 1 hold samples"):
        result = som.cluster(method=method, n_clusters=k)
    assert result["n_clusters"] == 1 == int(result["labels"].unique().numel())
    assert result["labels"].unique().tolist() == [1]
    assert result["centers"].shape == (1, 3)
    assert result["metrics"]["n_clusters"] == 1


def test_all_requested_clusters_keep_their_ids() -> None:
    som = SOM(4, 4, 3, device="cpu", random_seed=3)
    som.initialize_weights(DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TorchSOMWarning)
        result = som.cluster(method="kmeans", n_clusters=3)
    assert result["n_clusters"] == 3
    assert sorted(result["labels"].unique().tolist()) == [1, 2, 3]
