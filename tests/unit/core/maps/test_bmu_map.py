"""The bmus_data map forms: the BMUMap, the search behind it, reading any form back."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom.core.maps.bmu_map import (
    BMUMap,
    bmu_assignment,
    bmus_from_search,
    check_indices_fit,
    search_flat_bmus,
)

FLAT = [0, 2, 0, 3, 1]  # the BMUs of corners_data


def test_chunked_search_gives_the_same_bmus_as_one_search(corners_som, corners_data) -> None:
    assert search_flat_bmus(corners_som, corners_data).tolist() == FLAT
    assert search_flat_bmus(corners_som, corners_data, batch_size=2).tolist() == FLAT
    empty = search_flat_bmus(corners_som, corners_data[:0])
    assert empty.dtype == torch.long and empty.numel() == 0


def test_bmus_from_search_holds_rows_and_indices(corners_som, corners_data) -> None:
    result = bmus_from_search(corners_som, corners_data, batch_size=2)
    assert isinstance(result, BMUMap)
    assert result.indices == {(0, 0): [0, 2], (0, 1): [4], (1, 0): [1], (1, 1): [3]}
    assert torch.equal(result[(0, 0)], corners_data[[0, 2]])
    assert dict(result.index_map()) == result.indices


def _sorted(assignment: tuple[torch.Tensor, torch.Tensor]) -> list[tuple[int, int]]:
    samples, neurons = assignment
    return sorted(zip(samples.tolist(), neurons.tolist()))


def test_every_form_reads_back_to_the_same_assignment(corners_som, corners_data) -> None:
    expected = [(i, n) for i, n in enumerate(FLAT)]
    rows = bmus_from_search(corners_som, corners_data, 1024)
    indices = {(0, 0): [0, 2], (0, 1): [4], (1, 0): [1], (1, 1): [3]}
    arrays = {key: np.asarray(value) for key, value in indices.items()}
    tensors = {key: torch.tensor(value) for key, value in indices.items()}
    plain_rows = {key: value.clone() for key, value in rows.items()}  # no indices kept
    assert _sorted(bmu_assignment(corners_som, rows)) == expected
    assert _sorted(bmu_assignment(corners_som, indices)) == expected
    assert _sorted(bmu_assignment(corners_som, arrays)) == expected
    assert _sorted(bmu_assignment(corners_som, tensors)) == expected
    assert _sorted(bmu_assignment(corners_som, plain_rows, corners_data)) == expected


@pytest.mark.parametrize(("bad", "data", "error", "match"), [
    ([[0, 1]], None, TypeError, "must be a dict"),
    ({(0, 0): [0], (1, 1): [0]}, None, ValueError, "sample index 0 more than once"),
    ({(2, 0): [0]}, None, ValueError, r"outside this 2x2 grid"),
    ({(0, 0): [-1]}, None, ValueError, "negative sample index"),
    ({(0, 0): torch.zeros(1, 2)}, None, ValueError, "pass the data it was built from"),
    ({(0, 0): torch.zeros(1, 3)}, torch.zeros(1, 2), ValueError, r"expects \(n_cell, 2\)"),
    ({(0, 0): [2**70]}, None, ValueError, "beyond the int64 range"),
])
def test_bad_maps_are_refused_with_the_reason(corners_som, bad, data, error, match) -> None:
    with pytest.raises(error, match=match):
        bmu_assignment(corners_som, bad, data)


def test_indices_must_fit_the_data() -> None:
    check_indices_fit(torch.tensor([0, 4]), 5, "bmus_data_map", "data")
    with pytest.raises(ValueError, match="sample index 5 but data has 5 rows"):
        check_indices_fit(torch.tensor([5]), 5, "bmus_data_map", "data")
