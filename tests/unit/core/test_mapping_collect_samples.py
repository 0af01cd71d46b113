"""collect_samples and its batched form, on hand-made maps."""

from __future__ import annotations

import pytest
import torch

from torchsom.exceptions import InvalidParameterError

# 3x3 ramp map (one feature, neuron (r, c) holds 3r + c): the query 4.0 has BMU (1, 1).
# rectangular order-1 ring order: (-1,-1) (-1,0) (-1,1) (0,-1) (0,1) (1,-1) (1,0) (1,1)
RECT_MAP = {(1, 1): [7, 3], (0, 0): [0], (2, 2): [1, 2], (1, 2): [5], (0, 1): [4]}
HISTORY = torch.arange(10, dtype=torch.float32).reshape(10, 1) * 0.5
OUTPUTS = torch.arange(10, dtype=torch.float32) * 10


def _indices(som, query, mapping, **kwargs):
    result = som.collect_samples(query, HISTORY, OUTPUTS, mapping, return_indices=True,
                                 **kwargs)
    return result[2].tolist()


def test_bmu_only_returns_the_bmu_samples_in_map_order(ramp_som):
    som = ramp_som()
    assert _indices(som, [4.0], RECT_MAP, retrieval_mode="bmu_only") == [7, 3]


def test_neighbourhood_follows_the_ring_order(ramp_som):
    som = ramp_som()
    assert _indices(som, [4.0], RECT_MAP, retrieval_mode="bmu_neighborhood") == [
        7, 3, 0, 4, 5, 1, 2]


def test_outputs_and_rows_match_the_indices(ramp_som):
    som = ramp_som()
    samples, outputs, idx = som.collect_samples([4.0], HISTORY, OUTPUTS, RECT_MAP,
                                                return_indices=True, min_buffer_threshold=2)
    assert torch.equal(samples, HISTORY[idx]) and samples.shape == (7, 1)
    assert torch.equal(outputs, OUTPUTS[idx].reshape(-1, 1)) and outputs.shape == (7, 1)
    assert idx.dtype == torch.int64


def test_hexagonal_neighbourhood_is_odd_r(ramp_som):
    som = ramp_som(topology="hexagonal")
    # odd row 1: ring (2,1) (2,2) (1,2) (0,2) (0,1) (1,0); (0,0) and (2,0) are not neighbours
    mapping = {(1, 1): [9], (2, 1): [0], (2, 2): [1], (1, 2): [2], (0, 2): [3], (0, 1): [4],
               (1, 0): [5], (0, 0): [6], (2, 0): [7]}
    assert _indices(som, [4.0], mapping, retrieval_mode="bmu_neighborhood") == [
        9, 0, 1, 2, 3, 4, 5]


def test_reference_case_bmu_and_one_neighbour(make_som):
    # BMU (1,1) holds [0], its neighbour (1,2) holds [1, 2]; threshold 3 is met exactly
    codebook = torch.zeros(3, 4, 2)
    codebook[1, 1] = torch.tensor([1.0, 1.0])
    codebook[1, 2] = torch.tensor([2.0, 2.0])
    codebook[0, 3] = torch.tensor([-5.0, -5.0])  # not a neighbour of (1, 1)
    som = make_som(3, 4, codebook)
    history = torch.tensor([[1.0, 1.0], [2.0, 2.0], [2.1, 2.0], [-5.0, -5.0]])
    samples, outputs = som.collect_samples(torch.tensor([1.0, 1.0]), history,
                                           torch.tensor([0.0, 1.0, 2.0, 3.0]),
                                           {(1, 1): [0], (1, 2): [1, 2], (0, 3): [3]},
                                           min_buffer_threshold=3)
    assert samples.shape == (3, 2) and outputs.shape == (3, 1)
    assert outputs.reshape(-1).tolist() == [0.0, 1.0, 2.0]


def test_empty_bmu_takes_the_neighbour(ramp_som):
    som = ramp_som()
    got = som.collect_samples([4.0], HISTORY, OUTPUTS, {(1, 2): [4, 5]},
                              min_buffer_threshold=2)
    assert got[1].reshape(-1).tolist() == [40.0, 50.0]


def test_empty_map_gives_empty_buffers(ramp_som):
    som = ramp_som()
    samples, outputs, idx = som.collect_samples([4.0], HISTORY, OUTPUTS, {},
                                                return_indices=True)
    assert samples.shape == (0, 1) and outputs.shape == (0, 1) and idx.shape == (0,)
    batch = som.collect_samples_batch([[4.0], [0.0]], HISTORY, OUTPUTS, {})
    assert [tuple(s.shape) for s, _ in batch] == [(0, 1), (0, 1)]


# ---------------------------------------------------------------------------- knn fallback
@pytest.fixture()
def line_som(make_som):
    # 1x5 map; the query 0.4 has BMU n2 (value 0); n1 and n3 are far away and empty.
    # From the query, n4 (1.2) is closer than n0 (-1); from n2's codebook it is the reverse.
    return make_som(1, 5, torch.tensor([-1.0, 50.0, 0.0, 60.0, 1.2]).reshape(1, 5, 1))


LINE_MAP = {(0, 2): [0], (0, 0): [1, 2], (0, 4): [3, 4]}
LINE_HISTORY = torch.tensor([[0.0], [-1.0], [-1.1], [1.2], [1.3]])


def _line(som, threshold, mode="bmu_neighborhood_knn"):
    _, _, idx = som.collect_samples([0.4], LINE_HISTORY, torch.zeros(5), LINE_MAP,
                                    min_buffer_threshold=threshold, return_indices=True,
                                    retrieval_mode=mode)
    return idx.tolist()


def test_fallback_ranks_neurons_by_distance_to_the_query(line_som):
    assert _line(line_som, 3) == [0, 3, 4]


def test_fallback_stops_once_the_threshold_is_reached(line_som):
    assert _line(line_som, 1) == [0]  # the BMU alone holds 1 sample
    assert _line(line_som, 2) == [0, 3, 4]  # whole neurons: one more neuron, 3 samples
    assert _line(line_som, 4) == [0, 3, 4, 1, 2]
    assert _line(line_som, 100) == [0, 3, 4, 1, 2]  # everything, nothing more to add
    assert _line(line_som, 0) == [0]


def test_threshold_is_ignored_outside_knn_mode(line_som):
    assert _line(line_som, 100, "bmu_neighborhood") == [0]
    assert _line(line_som, 100, "bmu_only") == [0]


# ---------------------------------------------------------------------------- pbc
@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_neighbourhood_wraps_with_pbc(make_som, topology):
    codebook = torch.arange(16, dtype=torch.float32).reshape(4, 4, 1)
    mapping = {(0, 0): [0], (3, 3): [1], (0, 1): [2], (2, 2): [3]}
    history = torch.arange(4, dtype=torch.float32).reshape(4, 1)
    flat = make_som(4, 4, codebook, topology=topology)
    torus = make_som(4, 4, codebook, topology=topology, pbc=True)
    kwargs = {"return_indices": True, "retrieval_mode": "bmu_neighborhood"}
    # (3, 3) sits across both wraps from (0, 0): a neighbour on the torus in both
    # geometries (odd-r: row 0 is even, so (r-1, c-1) is a neighbour)
    assert flat.collect_samples([0.0], history, torch.zeros(4), mapping, **kwargs)[2].tolist() \
        == [0, 2]
    got = torus.collect_samples([0.0], history, torch.zeros(4), mapping, **kwargs)[2].tolist()
    assert sorted(got) == [0, 1, 2] and got[0] == 0


def test_pbc_on_a_tiny_torus_takes_each_neighbour_once(make_som):
    som = make_som(2, 2, torch.arange(4, dtype=torch.float32).reshape(2, 2, 1), pbc=True)
    mapping = {(0, 0): [0], (0, 1): [1], (1, 0): [2], (1, 1): [3]}
    _, _, idx = som.collect_samples([0.0], torch.arange(4.0).reshape(4, 1), torch.zeros(4),
                                    mapping, return_indices=True,
                                    retrieval_mode="bmu_neighborhood")
    assert sorted(idx.tolist()) == [0, 1, 2, 3] and idx[0] == 0


# ---------------------------------------------------------------------------- targets
def test_multi_output_targets_keep_their_columns(ramp_som):
    som = ramp_som()
    outputs = torch.stack((OUTPUTS, -OUTPUTS), 1)
    _, got = som.collect_samples([4.0], HISTORY, outputs, RECT_MAP,
                                 retrieval_mode="bmu_only")
    assert got.shape == (2, 2)
    assert got.tolist() == [[70.0, -70.0], [30.0, -30.0]]


def test_integer_targets_keep_their_dtype(ramp_som):
    som = ramp_som()
    _, got = som.collect_samples([4.0], HISTORY, torch.arange(10), RECT_MAP,
                                 retrieval_mode="bmu_only")
    assert got.dtype == torch.int64 and got.reshape(-1).tolist() == [7, 3]


# ---------------------------------------------------------------------------- forms
def test_every_bmus_form_gives_the_same_buffer(make_som, gaussian_data):
    som = make_som(4, 4, torch.randn(4, 4, 3, generator=torch.Generator().manual_seed(1)))
    target = gaussian_data[:, 0]
    default = som.build_map("bmus_data", data=gaussian_data)
    expected = som.collect_samples(gaussian_data[0], gaussian_data, target, default,
                                   min_buffer_threshold=40, return_indices=True)[2]
    for form in (som.build_map("bmus_data", data=gaussian_data, return_indices=True),
                 {k: list(v) for k, v in default.indices.items()},
                 dict(default)):
        got = som.collect_samples(gaussian_data[0], gaussian_data, target, form,
                                  min_buffer_threshold=40, return_indices=True)[2]
        assert torch.equal(got, expected)
    assert expected.shape[0] >= 40


# ---------------------------------------------------------------------------- batched
@pytest.mark.parametrize("mode", ["bmu_only", "bmu_neighborhood", "bmu_neighborhood_knn"])
@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_batched_form_equals_single_calls(make_som, gaussian_data, mode, topology):
    gen = torch.Generator().manual_seed(3)
    som = make_som(6, 4, torch.randn(6, 4, 3, generator=gen), topology=topology,
                   pbc=topology == "hexagonal", neighborhood_order=1)
    history, queries = gaussian_data[:150], gaussian_data[150:]
    target = torch.stack((history[:, 0], history[:, 1]), 1)
    bmus = som.build_map("bmus_data", data=history)
    batch = som.collect_samples_batch(queries, history, target, bmus, min_buffer_threshold=25,
                                      return_indices=True, retrieval_mode=mode)
    assert len(batch) == queries.shape[0]
    for query, (rows, outs, idx) in zip(queries, batch):
        single = som.collect_samples(query, history, target, bmus, min_buffer_threshold=25,
                                     return_indices=True, retrieval_mode=mode)
        assert torch.equal(idx, single[2])
        assert torch.equal(rows, single[0]) and torch.equal(outs, single[1])
        if mode == "bmu_neighborhood_knn":
            assert idx.shape[0] >= 25
        assert idx.unique().shape[0] == idx.shape[0]  # no sample twice


def test_batched_form_without_indices(ramp_som):
    som = ramp_som()
    batch = som.collect_samples_batch([[4.0], [8.0]], HISTORY, OUTPUTS, RECT_MAP,
                                      retrieval_mode="bmu_only")
    assert [b[1].reshape(-1).tolist() for b in batch] == [[70.0, 30.0], [10.0, 20.0]]


# ---------------------------------------------------------------------------- validation
def test_collect_samples_validates_its_arguments(ramp_som):
    som = ramp_som()
    with pytest.raises(InvalidParameterError, match="retrieval_mode='knn'.*'bmu_only'"):
        som.collect_samples([4.0], HISTORY, OUTPUTS, RECT_MAP, retrieval_mode="knn")
    with pytest.raises(ValueError, match="query_sample must be one sample"):
        som.collect_samples([[4.0], [1.0]], HISTORY, OUTPUTS, RECT_MAP)
    with pytest.raises(ValueError, match="historical_outputs has 3 entries"):
        som.collect_samples([4.0], HISTORY, OUTPUTS[:3], RECT_MAP)
    with pytest.raises(ValueError, match="bmus_idx_map refers to sample index 12"):
        som.collect_samples([4.0], HISTORY, OUTPUTS, {(0, 0): [12]})
    with pytest.raises(InvalidParameterError, match="min_buffer_threshold"):
        som.collect_samples([4.0], HISTORY, OUTPUTS, RECT_MAP, min_buffer_threshold=-1)
    with pytest.raises(ValueError, match="query_samples must have 1 features"):
        som.collect_samples_batch([[4.0, 1.0]], HISTORY, OUTPUTS, RECT_MAP)


def test_output_length_mismatch_names_both_arguments() -> None:
    from torchsom import SOM

    som = SOM(x=3, y=3, num_features=2, device="cpu")
    data = torch.randn(40, 2)
    bmus = som.build_map("bmus_data", data=data, return_indices=True)
    with pytest.raises(ValueError, match="historical_outputs has 1 entry but "
                       "historical_samples has 40 samples"):
        som.collect_samples(data[0], data, torch.zeros(1), bmus)
