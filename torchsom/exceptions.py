"""Exception and warning classes raised by torchsom."""

from __future__ import annotations

__all__ = ["FeatureCountError", "InvalidParameterError", "NotFittedError", "TorchSOMWarning"]


class InvalidParameterError(ValueError, TypeError):
    """A hyperparameter or option has an invalid value or type.

    Subclasses both :class:`ValueError` and :class:`TypeError` so that code catching
    either keeps working.
    """


class FeatureCountError(ValueError, RuntimeError):
    """Data has a different number of features than the map.

    A :class:`ValueError`; also a :class:`RuntimeError`, which is what a feature-count
    mismatch raised in earlier releases (from inside torch), so code that catches either
    keeps working.
    """


class NotFittedError(ValueError, AttributeError):
    """A method needs state that only ``fit`` produces."""


class TorchSOMWarning(UserWarning):
    """A setting is legal but probably not what the user wants."""
