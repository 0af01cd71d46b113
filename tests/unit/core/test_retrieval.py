"""Sample retrieval called directly: buffers of whole neurons, batched like single queries.

A 1x3 map with one feature, neurons at 0, 10 and 20; samples 0..5 at 0, 1, 10, 11, 20, 21
(two per neuron).
"""

from __future__ import annotations

import pytest
import torch

from torchsom import SOM
from torchsom.core import retrieval
from torchsom.exceptions import InvalidParameterError

HISTORY = torch.tensor([[0.0], [1.0], [10.0], [11.0], [20.0], [21.0]])
OUTPUTS = torch.arange(6, dtype=torch.float32) * 100
MAP = {(0, 0): [0, 1], (0, 1): [2, 3], (0, 2): [4, 5]}


@pytest.fixture()
def line_som() -> SOM:
    som = SOM(1, 3, 1, device="cpu", search_backend="torch")
    som.weights.data[...] = torch.tensor([[[0.0], [10.0], [20.0]]])
    return som


def _buffers(indices: torch.Tensor, offsets: torch.Tensor) -> list[list[int]]:
    return [indices[a:b].tolist() for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


def test_retrieval_indices_for_every_mode(line_som) -> None:
    queries = torch.tensor([[19.0], [2.0]])
    only = retrieval.retrieval_indices(line_som, queries, HISTORY, MAP, 0, "bmu_only")
    assert _buffers(*only) == [[4, 5], [0, 1]]
    ring = retrieval.retrieval_indices(line_som, queries, HISTORY, MAP, 0, "bmu_neighborhood")
    assert _buffers(*ring) == [[4, 5, 2, 3], [0, 1, 2, 3]]
    # a 1x3 map has no neighbour past the ring: the fallback adds the nearest other neuron
    knn = retrieval.retrieval_indices(line_som, queries, HISTORY, MAP, 5,
                                      "bmu_neighborhood_knn")
    assert _buffers(*knn) == [[4, 5, 2, 3, 0, 1], [0, 1, 2, 3, 4, 5]]


def test_collect_samples_returns_rows_outputs_and_indices(line_som) -> None:
    rows, outputs, idx = retrieval.collect_samples(
        line_som, [19.0], HISTORY, OUTPUTS, MAP, return_indices=True,
        retrieval_mode="bmu_only")
    assert idx.tolist() == [4, 5]
    assert torch.equal(rows, HISTORY[[4, 5]])
    assert torch.equal(outputs, OUTPUTS[[4, 5]].reshape(-1, 1))


def test_the_batch_form_equals_one_call_per_query(line_som) -> None:
    queries = [[19.0], [2.0], [12.0]]
    batch = retrieval.collect_samples_batch(line_som, queries, HISTORY, OUTPUTS, MAP,
                                            min_buffer_threshold=3, return_indices=True)
    for query, got in zip(queries, batch):
        one = retrieval.collect_samples(line_som, query, HISTORY, OUTPUTS, MAP,
                                        min_buffer_threshold=3, return_indices=True)
        assert all(torch.equal(a, b) for a, b in zip(got, one))


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"retrieval_mode": "nearest"}, InvalidParameterError, "Invalid retrieval_mode"),
    ({"min_buffer_threshold": -1}, InvalidParameterError, "min_buffer_threshold"),
    ({"query_sample": [[1.0], [2.0]]}, ValueError, "Use collect_samples_batch"),
    ({"historical_outputs": OUTPUTS[:4]}, ValueError, "historical_outputs"),
    ({"bmus_idx_map": {(0, 0): [6]}}, ValueError, "sample index 6 but historical_samples"),
])
def test_bad_arguments_are_named(line_som, kwargs, error, match) -> None:
    args = {"query_sample": [1.0], "historical_samples": HISTORY,
            "historical_outputs": OUTPUTS, "bmus_idx_map": MAP, **kwargs}
    with pytest.raises(error, match=match):
        retrieval.collect_samples(line_som, **args)
