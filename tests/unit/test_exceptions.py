"""The exception classes (exceptions.py) are caught by what older code catches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom._validation import as_data
from torchsom.exceptions import (
    FeatureCountError,
    InvalidParameterError,
    NotFittedError,
    TorchSOMWarning,
)


def test_each_class_is_both_of_its_bases() -> None:
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    assert issubclass(FeatureCountError, ValueError)
    assert issubclass(FeatureCountError, RuntimeError)
    assert issubclass(TorchSOMWarning, UserWarning)


@pytest.mark.parametrize("data", [torch.rand(4, 3), np.zeros((4, 3)), [[0.0, 1.0, 2.0]]])
def test_a_wrong_feature_count_raises_feature_count_error(data) -> None:
    with pytest.raises(FeatureCountError, match=r"data must have 2 features .* 3 features"):
        as_data(data, num_features=2)


def test_other_shape_errors_are_plain_value_errors() -> None:
    with pytest.raises(ValueError) as info:
        as_data(torch.rand(2, 2, 2), num_features=2)
    assert not isinstance(info.value, RuntimeError)
