"""The exception classes (exceptions.py) are caught by what older code catches."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from torchsom import SOM
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


def test_invalid_parameter_is_caught_as_value_or_type_error() -> None:
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)
    for caught in (ValueError, TypeError, InvalidParameterError):
        with pytest.raises(caught, match=r"^epochs must be an int >= 1; got 0"):
            SOM(2, 2, 3, epochs=0, device="cpu")


def test_not_fitted_is_caught_as_value_or_attribute_error() -> None:
    from torchsom import SOMVisualizer

    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    untrained = SOMVisualizer(SOM(2, 2, 3, device="cpu"))
    for caught in (ValueError, AttributeError, NotFittedError):
        with pytest.raises(caught, match=r"^SOM has no training history; call fit first"):
            untrained.plot_training_errors()


def test_torchsom_warning_is_a_user_warning_that_filters_can_select() -> None:
    assert issubclass(TorchSOMWarning, UserWarning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", TorchSOMWarning)
        SOM(3, 3, 2, sigma=50.0, device="cpu")
        warnings.warn("another library's warning", UserWarning, stacklevel=1)
    assert [w.category for w in caught] == [TorchSOMWarning]
    assert str(caught[0].message).startswith("sigma=50.0 is larger than the map diagonal")
