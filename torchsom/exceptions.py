"""Exception and warning classes raised by torchsom."""

from __future__ import annotations

__all__ = ["InvalidParameterError", "NotFittedError", "TorchSOMWarning"]


class InvalidParameterError(ValueError, TypeError):
    """A hyperparameter or option has an invalid value or type.

    Subclasses both :class:`ValueError` and :class:`TypeError` so that code catching
    either keeps working.
    """


class NotFittedError(ValueError, AttributeError):
    """A method needs state that only ``fit`` produces."""


class TorchSOMWarning(UserWarning):
    """A setting is legal but probably not what the user wants."""
