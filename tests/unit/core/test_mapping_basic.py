"""Hit map, bmus_data map (both forms) and the U-matrix on hand-made codebooks."""

from __future__ import annotations

import copy
import pickle
from collections import defaultdict

import pytest
import torch

from torchsom.core.mapping import BMUMap, bmu_assignment
from torchsom.exceptions import InvalidParameterError


# ---------------------------------------------------------------------------- hit map
def test_hit_map_counts_samples_per_neuron(corners_som, corners_data):
    hits = corners_som.build_map("hit", data=corners_data)
    assert hits.dtype == torch.float32
    assert torch.equal(hits, torch.tensor([[2.0, 1.0], [1.0, 1.0]]))


def test_hit_map_small_batches_give_the_same_counts(corners_som, corners_data):
    hits = corners_som.build_map("hit", data=corners_data, batch_size=2)
    assert torch.equal(hits, torch.tensor([[2.0, 1.0], [1.0, 1.0]]))


def test_hit_map_unused_neuron_is_zero_not_nan(corners_som):
    hits = corners_som.build_map("hit", data=torch.tensor([[0.0, 0.0], [1.0, 1.0]]))
    assert torch.equal(hits, torch.tensor([[2.0, 0.0], [0.0, 0.0]]))


def test_hit_map_from_a_bmus_map_without_data(corners_som, corners_data):
    bmus = corners_som.build_map("bmus_data", data=corners_data, return_indices=True)
    hits = corners_som.build_map("hit", bmus_data_map=bmus)
    assert torch.equal(hits, torch.tensor([[2.0, 1.0], [1.0, 1.0]]))


# ---------------------------------------------------------------------------- bmus_data
def test_bmus_data_default_form_holds_rows_and_indices(corners_som, corners_data):
    bmus = corners_som.build_map("bmus_data", data=corners_data)
    assert isinstance(bmus, BMUMap) and isinstance(bmus, defaultdict)
    assert list(bmus) == [(0, 0), (0, 1), (1, 0), (1, 1)]  # row-major
    assert all(type(k[0]) is int and type(k[1]) is int for k in bmus)
    assert torch.equal(bmus[(0, 0)], corners_data[[0, 2]])
    assert torch.equal(bmus[(0, 1)], corners_data[[4]])
    assert bmus.indices == {(0, 0): [0, 2], (0, 1): [4], (1, 0): [1], (1, 1): [3]}


def test_bmus_data_index_form_is_a_defaultdict_of_ascending_lists(corners_som, corners_data):
    bmus = corners_som.build_map("bmus_data", data=corners_data, return_indices=True)
    assert type(bmus) is defaultdict
    assert dict(bmus) == {(0, 0): [0, 2], (0, 1): [4], (1, 0): [1], (1, 1): [3]}
    assert bmus[(5, 5)] == []  # defaultdict(list), as before


def test_bmus_data_omits_empty_neurons(corners_som):
    bmus = corners_som.build_map("bmus_data", data=torch.tensor([[9.0, 9.0], [10.0, 10.0]]))
    assert list(bmus) == [(1, 1)]


def test_bmus_map_survives_pickle_copy_and_deepcopy(corners_som, corners_data):
    bmus = corners_som.build_map("bmus_data", data=corners_data)
    for clone in (pickle.loads(pickle.dumps(bmus)), copy.copy(bmus), copy.deepcopy(bmus),
                  bmus.copy()):
        assert isinstance(clone, BMUMap)
        assert clone.indices == bmus.indices
        assert torch.equal(clone[(0, 0)], bmus[(0, 0)])


def test_bmus_map_index_map_matches_return_indices(corners_som, corners_data):
    bmus = corners_som.build_map("bmus_data", data=corners_data)
    expected = corners_som.build_map("bmus_data", data=corners_data, return_indices=True)
    assert bmus.index_map() == expected


def test_every_form_gives_the_same_assignment(corners_som, corners_data):
    default = corners_som.build_map("bmus_data", data=corners_data)
    forms = {
        "default": default,
        "indices": corners_som.build_map("bmus_data", data=corners_data, return_indices=True),
        "plain lists": {k: list(v) for k, v in default.indices.items()},
        "int tensors": {k: torch.tensor(v) for k, v in default.indices.items()},
    }
    for form in forms.values():
        samples, neurons = bmu_assignment(corners_som, form)
        order = torch.argsort(samples)
        assert torch.equal(samples[order], torch.arange(5))
        assert torch.equal(neurons[order], torch.tensor([0, 2, 0, 3, 1]))
    # plain dict of data rows: indices are recovered from the data
    samples, neurons = bmu_assignment(corners_som, dict(default), corners_data)
    order = torch.argsort(samples)
    assert torch.equal(samples[order], torch.arange(5))
    assert torch.equal(neurons[order], torch.tensor([0, 2, 0, 3, 1]))


def test_data_rows_without_indices_need_data(corners_som, corners_data):
    rows_only = dict(corners_som.build_map("bmus_data", data=corners_data))
    with pytest.raises(ValueError, match="pass the data it was built from"):
        bmu_assignment(corners_som, rows_only)


def test_bmus_map_rejects_bad_keys_and_values(corners_som):
    with pytest.raises(ValueError, match=r"outside this 2x2 grid"):
        bmu_assignment(corners_som, {(2, 0): [0]})
    with pytest.raises(ValueError, match=r"\(row, col\) tuples"):
        bmu_assignment(corners_som, {"a": [0]})
    with pytest.raises(ValueError, match="non-integers"):
        bmu_assignment(corners_som, {(0, 0): [0.5]})
    with pytest.raises(TypeError, match="bmus_data_map must be a dict"):
        bmu_assignment(corners_som, [[0]])


# ---------------------------------------------------------------------------- U-matrix
# Ramp codebook on 3x3: neuron (r, c) holds 3r + c, so feature distances are |a - b|.
RECT_SUM = torch.tensor([[8.0, 11.0, 6.0], [13.0, 20.0, 13.0], [6.0, 11.0, 8.0]]) / 20.0
RECT_MEAN = torch.tensor(
    [[8 / 3, 11 / 5, 6 / 3], [13 / 5, 20 / 8, 13 / 5], [6 / 3, 11 / 5, 8 / 3]]
) / (8 / 3)
# odd-r: even rows see (r-1, c-1), (r-1, c), (r+1, c-1), (r+1, c); odd rows (c, c+1)
HEX_SUM = torch.tensor([[4.0, 7.0, 6.0], [13.0, 14.0, 7.0], [4.0, 9.0, 8.0]]) / 14.0
HEX_MEAN = torch.tensor(
    [[4 / 2, 7 / 4, 6 / 3], [13 / 5, 14 / 6, 7 / 3], [4 / 2, 9 / 4, 8 / 3]]
) / (8 / 3)


@pytest.mark.parametrize(
    ("topology", "scaling", "expected"),
    [
        ("rectangular", "sum", RECT_SUM),
        ("rectangular", "mean", RECT_MEAN),
        ("hexagonal", "sum", HEX_SUM),
        ("hexagonal", "mean", HEX_MEAN),
    ],
)
def test_u_matrix_on_3x3_grid(ramp_som, topology, scaling, expected):
    som = ramp_som(topology=topology, distance_function="manhattan")
    umat = som.build_map("distance", scaling=scaling)
    assert umat.dtype == torch.float32 and umat.shape == (3, 3)
    torch.testing.assert_close(umat, expected)


def test_u_matrix_euclidean_equals_manhattan_for_one_feature(ramp_som):
    som = ramp_som()
    torch.testing.assert_close(som.build_map("distance"), RECT_SUM)
    torch.testing.assert_close(som.build_map("distance", distance_metric="chebyshev"), RECT_SUM)


def test_u_matrix_with_pbc_on_3x3_torus_sees_every_other_neuron(ramp_som):
    som = ramp_som(pbc=True)
    # on a 3x3 torus the 8-neighbourhood is the 8 other neurons: sum_u |v - u|
    sums = torch.tensor([36.0, 29.0, 24.0, 21.0, 20.0, 21.0, 24.0, 29.0, 36.0]).reshape(3, 3)
    torch.testing.assert_close(som.build_map("distance"), sums / 36.0)
    torch.testing.assert_close(som.build_map("distance", scaling="mean"), sums / 36.0)


def _spike(x: int, y: int) -> torch.Tensor:
    codebook = torch.zeros(x, y, 1)
    codebook[0, 0, 0] = 1.0
    return codebook


def test_u_matrix_hexagonal_pbc_wraps_with_odd_r_neighbours(make_som):
    som = make_som(4, 4, _spike(4, 4), topology="hexagonal", pbc=True)
    expected = torch.zeros(4, 4)
    expected[0, 0] = 1.0
    for cell in [(3, 3), (3, 0), (0, 1), (0, 3), (1, 3), (1, 0)]:
        expected[cell] = 1 / 6
    torch.testing.assert_close(som.build_map("distance"), expected)


def test_u_matrix_hexagonal_without_pbc_stays_inside(make_som):
    som = make_som(4, 4, _spike(4, 4), topology="hexagonal")
    expected = torch.zeros(4, 4)
    expected[0, 0] = 1.0
    expected[0, 1] = expected[1, 0] = 0.5
    torch.testing.assert_close(som.build_map("distance"), expected)


def test_u_matrix_rectangular_pbc_wraps(make_som):
    som = make_som(4, 4, _spike(4, 4), pbc=True)
    expected = torch.zeros(4, 4)
    expected[0, 0] = 1.0
    for cell in [(3, 3), (3, 0), (3, 1), (0, 3), (0, 1), (1, 3), (1, 0), (1, 1)]:
        expected[cell] = 1 / 8
    torch.testing.assert_close(som.build_map("distance"), expected)


def test_u_matrix_counts_a_wrapped_neighbour_once(make_som):
    # 2x2 torus: up and down are the same neuron, so (0,0) has 3 distinct neighbours
    som = make_som(2, 2, _spike(2, 2), pbc=True)
    expected = torch.tensor([[1.0, 1 / 3], [1 / 3, 1 / 3]])
    torch.testing.assert_close(som.build_map("distance"), expected)


def test_u_matrix_order_two_and_constant_codebook(ramp_som, make_som):
    som = ramp_som(distance_function="manhattan")
    # order 2 on 3x3: every neuron sees all 8 others, like the torus above
    sums = torch.tensor([36.0, 29.0, 24.0, 21.0, 20.0, 21.0, 24.0, 29.0, 36.0]).reshape(3, 3)
    torch.testing.assert_close(som.build_map("distance", neighborhood_order=2), sums / 36.0)
    flat = make_som(2, 3, torch.ones(2, 3, 2))
    assert torch.equal(flat.build_map("distance"), torch.zeros(2, 3))


def test_u_matrix_uses_a_custom_som_distance(make_som):
    def doubled(data, weights):
        return 2 * torch.cdist(data, weights.reshape(-1, weights.shape[-1]), p=1).reshape(
            data.shape[0], *weights.shape[:2])

    som = make_som(3, 3, torch.arange(9.0).reshape(3, 3, 1), distance_function=doubled)
    torch.testing.assert_close(som.build_map("distance"), RECT_SUM)


def test_u_matrix_rejects_bad_options(ramp_som):
    som = ramp_som()
    with pytest.raises(ValueError, match="scaling should be either"):
        som.build_map("distance", scaling="max")
    with pytest.raises(InvalidParameterError, match="distance_metric='euclidian'"):
        som.build_map("distance", distance_metric="euclidian")
    with pytest.raises(InvalidParameterError, match="neighborhood_order"):
        som.build_map("distance", neighborhood_order=0)


# ---------------------------------------------------------------------------- dispatch
def test_build_map_rejects_unknown_type_and_missing_inputs(corners_som, corners_data):
    with pytest.raises(ValueError, match="Invalid map_type 'hits'"):
        corners_som.build_map("hits", data=corners_data)
    with pytest.raises(ValueError, match="requires data parameter"):
        corners_som.build_map("bmus_data")
    with pytest.raises(ValueError, match="requires target parameter"):
        corners_som.build_map("metric", data=corners_data)
    with pytest.raises(ValueError, match="requires either data or bmus_data_map"):
        corners_som.build_map("rank", target=[1, 2, 3, 4, 5])
    with pytest.raises(TypeError, match="'colour'"):
        corners_som.build_map("hit", data=corners_data, colour="red")


def test_build_map_checks_data_and_names_the_argument(corners_som):
    with pytest.raises(ValueError, match="data must have 2 features"):
        corners_som.build_map("hit", data=torch.zeros(3, 5))


def test_bmu_search_is_chunked_by_batch_size(corners_som, monkeypatch):
    seen = []
    search = corners_som._search_strategy.search

    def spy(data, weights, k=1):
        seen.append(data.shape[0])
        return search(data, weights, k)

    monkeypatch.setattr(corners_som._search_strategy, "search", spy)
    data = torch.rand(200_000, 2, generator=torch.Generator().manual_seed(0)) * 10
    hits = corners_som.build_map("hit", data=data, batch_size=65536)
    assert seen == [65536, 65536, 65536, 3392]
    assert float(hits.sum()) == 200_000
    expected = torch.stack(((data[:, 0] > 5).long(), (data[:, 1] > 5).long()), 1)
    flat = torch.bincount(expected[:, 0] * 2 + expected[:, 1], minlength=4).float()
    assert torch.equal(hits.reshape(-1), flat)
