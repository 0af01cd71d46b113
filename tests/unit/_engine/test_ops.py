"""The engine's array backends: each operation against a float64 reference, numpy and
torch alike."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom._engine.ops import NumpyOps, TorchOps

CPU = torch.device("cpu")
BACKENDS = [NumpyOps(CPU), TorchOps(CPU)]
IDS = ["numpy", "torch"]
GEN = torch.Generator().manual_seed(3)


@pytest.fixture(params=BACKENDS, ids=IDS)
def ops(request):
    return request.param


def _as_torch(ops, array) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array)) if ops.name == "numpy" else array


def test_names_and_array_libraries() -> None:
    assert (NumpyOps(CPU).name, NumpyOps(CPU).xp) == ("numpy", np)
    assert (TorchOps(CPU).name, TorchOps(CPU).xp) == ("torch", torch)


def test_array_and_tensor_share_memory(ops) -> None:
    tensor = torch.zeros(2, 3)
    array = ops.array(tensor)
    array[0, 1] = 5.0
    assert tensor[0, 1] == 5.0
    back = ops.tensor(array)
    back[1, 2] = 7.0
    assert tensor[1, 2] == 7.0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_empty_has_the_asked_dtype(ops, dtype) -> None:
    values, index = ops.empty((2, 3), dtype), ops.empty((4,), dtype, index=True)
    assert values.shape == (2, 3) and index.shape == (4,)
    assert _as_torch(ops, values).dtype == dtype and _as_torch(ops, index).dtype == torch.int64


def test_arange_and_take(ops) -> None:
    assert _as_torch(ops, ops.arange(4, 3)).tolist() == [0, 3, 6, 9]
    table = ops.array(torch.arange(12.0).reshape(3, 4))
    index = ops.array(torch.tensor([2, 0, 2]))
    assert _as_torch(ops, ops.take(table, index, 0)).tolist() == [
        [8.0, 9.0, 10.0, 11.0], [0.0, 1.0, 2.0, 3.0], [8.0, 9.0, 10.0, 11.0]]
    assert _as_torch(ops, ops.take(table, index, 1)).tolist() == [
        [2.0, 0.0, 2.0], [6.0, 4.0, 6.0], [10.0, 8.0, 10.0]]


@pytest.mark.parametrize("with_second", [True, False])
def test_top_two_with_ties_to_the_lowest_index(ops, with_second: bool) -> None:
    scores = torch.tensor([[3.0, 1.0, 1.0, 0.5], [2.0, 2.0, 5.0, 2.0], [0.0, 9.0, 8.0, 7.0],
                           [4.0, 4.0, 4.0, 4.0]])
    random = torch.randn(50, 9, generator=GEN)
    for table in (scores, random):
        b, n = table.shape
        # float64 reference: a stable sort keeps equal scores in index order
        order = torch.sort(table.double(), dim=1, stable=True)
        best, best_value = ops.empty((b,), torch.float32, True), ops.empty((b,), torch.float32)
        second = ops.empty((b,), torch.float32, True) if with_second else None
        ops.top_two(ops.array(table.clone()), best, best_value, second, ops.arange(b, n))
        assert torch.equal(_as_torch(ops, best), order.indices[:, 0])
        torch.testing.assert_close(_as_torch(ops, best_value).double(), order.values[:, 0])
        if with_second:
            assert torch.equal(_as_torch(ops, second), order.indices[:, 1])


def test_neighbourhood_rows_multiply_the_two_axis_tables(ops) -> None:
    rows, keys, n, b = 4, 3, 12, 6
    row_table = torch.rand(rows, n, generator=GEN)
    key_table = torch.rand(keys, n, generator=GEN)
    row_index = torch.arange(n) // keys  # neuron → its row
    key_index = torch.arange(n) % keys  # neuron → its column key
    best = torch.tensor([0, 5, 11, 7, 7, 2])
    out, scratch = ops.empty((b, n), torch.float32), ops.empty((b, n), torch.float32)
    out[...] = float("nan")  # written, not accumulated into
    ops.neighbourhood_rows(*(ops.array(t) for t in (row_table, key_table, row_index,
                                                     key_index, best)), out, scratch)
    expected = row_table.double()[row_index[best]] * key_table.double()[key_index[best]]
    torch.testing.assert_close(_as_torch(ops, out).double(), expected)


@pytest.mark.parametrize("shape", [(5, 7), (300, 900)])  # the second: one einsum pass
@pytest.mark.parametrize("scale", [1.0, -0.5])
def test_squared_norms_of_columns_and_rows(ops, shape, scale) -> None:
    matrix = torch.randn(*shape, generator=GEN)
    columns = ops.empty((shape[1],), torch.float32)
    ops.column_sq_norms(ops.array(matrix), columns, scale, ops.empty(shape, torch.float32))
    torch.testing.assert_close(_as_torch(ops, columns).double(),
                               scale * (matrix.double() ** 2).sum(0), rtol=1e-5, atol=1e-5)
    ops.column_sq_norms(ops.array(matrix), columns)  # no scale, no scratch
    torch.testing.assert_close(_as_torch(ops, columns).double(),
                               (matrix.double() ** 2).sum(0), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(_as_torch(ops, ops.row_sq_norms(ops.array(matrix))).double(),
                               (matrix.double() ** 2).sum(1), rtol=1e-5, atol=1e-5)


def test_threads_are_restored_after_the_block() -> None:
    before = torch.get_num_threads()
    with NumpyOps(CPU).threads(1):
        assert torch.get_num_threads() == 1  # the loop's few torch calls stay single-threaded
    assert torch.get_num_threads() == before
    with TorchOps(CPU).threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="inside"), TorchOps(CPU).threads(1):
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before
