"""The exception and warning classes: what callers can catch them as, and where they
are raised."""

from __future__ import annotations

import warnings

import pytest
import torch

from torchsom import SOM
from torchsom.exceptions import InvalidParameterError, NotFittedError, TorchSOMWarning


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


def test_messages_reach_the_caller_unchanged() -> None:
    som = SOM(2, 2, 3, device="cpu")
    with pytest.raises(ValueError, match=r"^data must have 3 features") as info:
        som.identify_bmus(torch.zeros(4, 5))
    assert type(info.value) is ValueError  # a data problem is not an invalid parameter
