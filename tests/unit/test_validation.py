"""The input checkers: devices, data and targets."""

from __future__ import annotations

import pytest
import torch

from torchsom._validation import as_data, as_target, resolve_device
from torchsom.exceptions import InvalidParameterError


@pytest.mark.parametrize("device", ["meta", torch.device("meta")])
def test_unsupported_device_types(device) -> None:
    with pytest.raises(InvalidParameterError, match=r"device must be 'cpu' or 'cuda'; got .* "
                       r"\(type 'meta'\)"):
        resolve_device(device)


def test_resolve_device_default_and_cpu() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(None) == ("cuda" if torch.cuda.is_available() else "cpu")


def test_as_data_without_1d_and_with_dtype() -> None:
    with pytest.raises(ValueError, match=r"data must have shape \(n_samples, num_features\); "
                       r"got 1-D"):
        as_data(torch.zeros(3), allow_1d=False)
    out = as_data([[1, 2]], dtype=torch.float64)
    assert out.dtype == torch.float64 and out.shape == (1, 2)


def test_as_target_kinds() -> None:
    ints = as_target([1, 2, 3], n_samples=3)
    assert ints.dtype == torch.int64
    floats = as_target(torch.tensor([1.0, 2.0], dtype=torch.float64), n_samples=2)
    assert floats.dtype == torch.float64  # targets keep their values exactly
    halves = as_target(torch.tensor([1.0, 2.0], dtype=torch.float16), n_samples=2)
    assert halves.dtype == torch.float32
    assert as_target(torch.zeros(2, 3), n_samples=2).shape == (2, 3)
    with pytest.raises(ValueError, match=r"labels has 2 entries but data has 3 samples"):
        as_target([1, 2], n_samples=3, name="labels")
