"""Neuron indexing shared by the maps: flat ↔ (row, col), (x, y) grids, neighbour rows."""

from __future__ import annotations

import torch

from torchsom import SOM
from torchsom.core.maps._neurons import cells, n_neurons, neighbor_rows, to_grid


def _som(x: int, y: int, **kw) -> SOM:
    return SOM(x, y, 1, device="cpu", search_backend="torch", **kw)


def test_flat_indices_are_row_major() -> None:
    som = _som(2, 3)
    assert n_neurons(som) == 6
    assert cells(som, torch.tensor([0, 4, 5])) == [(0, 0), (1, 1), (1, 2)]
    assert all(type(v) is int for cell in cells(som, torch.tensor([3])) for v in cell)
    assert torch.equal(to_grid(som, torch.arange(6)), torch.tensor([[0, 1, 2], [3, 4, 5]]))


def _distinct(row: torch.Tensor) -> set[int]:
    return {int(v) for v in row if v >= 0}


def test_neighbor_rows_on_a_rectangular_grid() -> None:
    table = neighbor_rows(_som(3, 3), 1)
    assert table.shape[0] == 9
    assert _distinct(table[4]) == {0, 1, 2, 3, 5, 6, 7, 8}  # the centre: all 8 around
    assert _distinct(table[0]) == {1, 3, 4}  # a corner: 3, the rest padded with -1
    assert int((table[0] < 0).sum()) == table.shape[1] - 3


def test_neighbor_rows_wrap_and_count_each_neuron_once_with_pbc() -> None:
    table = neighbor_rows(_som(3, 3, pbc=True), 1)
    for neuron in range(9):
        assert _distinct(table[neuron]) == set(range(9)) - {neuron}


def test_neighbor_rows_of_order_zero_are_empty() -> None:
    assert neighbor_rows(_som(3, 3), 0).shape == (9, 0)
