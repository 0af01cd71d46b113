"""Kernels that return sample indices: grouping by neuron, row recovery, retrieval buffers.

Hand-made assignment on 4 neurons: samples 0..4 sit on neurons [2, 0, 2, 1, 0], so
neuron 0 holds samples 1 and 4, neuron 1 holds 3, neuron 2 holds 0 and 2, neuron 3 none.
"""

from __future__ import annotations

import torch

from torchsom.functional.members import group_members, match_rows, retrieval_buffers

SAMPLES = torch.arange(5)
NEURONS = torch.tensor([2, 0, 2, 1, 0])
MEMBERS, PTR = group_members(SAMPLES, NEURONS, 4)
# each neuron's one neighbour: 0 <-> 1, 2 <-> 3
TABLE = torch.tensor([[1], [0], [3], [2]])


def _buffers(indices: torch.Tensor, offsets: torch.Tensor) -> list[list[int]]:
    return [indices[a:b].tolist() for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


def test_group_members_keeps_the_given_order_inside_each_neuron() -> None:
    assert MEMBERS.tolist() == [1, 4, 3, 0, 2]
    assert PTR.tolist() == [0, 2, 3, 5, 5]
    members, ptr = group_members(torch.tensor([9, 8, 7]), torch.tensor([1, 1, 0]), 3)
    assert members.tolist() == [7, 9, 8] and ptr.tolist() == [0, 1, 3, 3]


def test_bmu_only_buffers_hold_the_bmus_samples() -> None:
    indices, offsets = retrieval_buffers(torch.tensor([2, 3, 0]), MEMBERS, PTR)
    assert _buffers(indices, offsets) == [[0, 2], [], [1, 4]]


def test_neighbour_buffers_follow_the_table() -> None:
    indices, offsets = retrieval_buffers(torch.tensor([3, 1]), MEMBERS, PTR, TABLE)
    assert _buffers(indices, offsets) == [[0, 2], [3, 1, 4]]


def test_fallback_adds_whole_nearest_neurons_until_the_minimum() -> None:
    distances = torch.tensor([[0.5, 0.1, 0.9, 0.0], [0.0, 0.0, 0.0, 0.0]])
    seen = []

    def fallback(rows: torch.Tensor) -> torch.Tensor:
        seen.append(rows.tolist())
        return distances[rows]

    # query 0 (BMU 3, empty): neuron 1 (1 sample, nearest), then neuron 0 (2) reach 3;
    # query 1 (BMU 2, 2 samples): all equally near, ties in row-major order, so neuron 0
    # (2 samples) is added and the buffer (4) stops there
    indices, offsets = retrieval_buffers(torch.tensor([3, 2]), MEMBERS, PTR, None, fallback, 3)
    assert _buffers(indices, offsets) == [[3, 1, 4], [0, 2, 1, 4]]
    assert seen == [[0, 1]]
    full, _ = retrieval_buffers(torch.tensor([2]), MEMBERS, PTR, None, fallback, 2)
    assert full.tolist() == [0, 2] and seen == [[0, 1]]  # enough already: no distances


def test_match_rows_labels_every_equal_data_row() -> None:
    data = torch.tensor([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0]])
    found, owner = match_rows(data, torch.tensor([[0.0, 1.0]]), torch.tensor([4]))
    assert found.tolist() == [0, 2] and owner.tolist() == [4, 4]


def test_match_rows_returns_every_identical_data_row() -> None:
    data = torch.tensor([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [9.0, 9.0]])
    found, owner = match_rows(data, torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
                              torch.tensor([7, 5]))
    assert found.tolist() == [0, 1, 2] and owner.tolist() == [7, 5, 7]


def test_match_rows_without_members() -> None:
    empty = torch.empty(0, dtype=torch.long)
    found, owner = match_rows(torch.zeros(2, 2), torch.empty(0, 2), empty)
    assert found.numel() == owner.numel() == 0
