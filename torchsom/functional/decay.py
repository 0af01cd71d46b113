"""Learning-rate and sigma schedules, evaluated in closed form per epoch.

Every schedule takes ``(initial_value, t, max_iter)`` and returns the value at epoch
``t`` (``t = 0 .. max_iter - 1``).
"""

from __future__ import annotations

from torchsom._registry import Registry

__all__ = [
    "LR_DECAY_FUNCTIONS",
    "SIGMA_DECAY_FUNCTIONS",
    "DECAY_FUNCTIONS",
    "asymptotic_decay",
    "lr_inverse_decay_to_zero",
    "lr_linear_decay_to_zero",
    "sig_inverse_decay_to_one",
    "sig_linear_decay_to_one",
]


def asymptotic_decay(value: float, t: int, max_iter: int) -> float:
    """``value / (1 + t / (max_iter / 2))``: one third of ``value`` at ``t = max_iter``."""
    return value / (1.0 + t / (max_iter / 2.0))


def lr_inverse_decay_to_zero(value: float, t: int, max_iter: int) -> float:
    """``value * g / (g + t)`` with ``g = max_iter / 100``."""
    g = max_iter / 100.0
    return value * g / (g + t)


def lr_linear_decay_to_zero(value: float, t: int, max_iter: int) -> float:
    """``value * (1 - t / max_iter)``."""
    return value * (1.0 - t / max_iter)


def sig_inverse_decay_to_one(value: float, t: int, max_iter: int) -> float:
    """``value / (1 + t * g)`` with ``g = (value - 1) / max_iter``."""
    g = (value - 1.0) / max_iter
    return value / (1.0 + t * g)


def sig_linear_decay_to_one(value: float, t: int, max_iter: int) -> float:
    """``value + t * (1 - value) / max_iter``."""
    return value + t * (1.0 - value) / max_iter


LR_DECAY_FUNCTIONS = Registry(
    "learning-rate decay function",
    {
        "asymptotic_decay": asymptotic_decay,
        "lr_inverse_decay_to_zero": lr_inverse_decay_to_zero,
        "lr_linear_decay_to_zero": lr_linear_decay_to_zero,
    },
)

SIGMA_DECAY_FUNCTIONS = Registry(
    "sigma decay function",
    {
        "asymptotic_decay": asymptotic_decay,
        "sig_inverse_decay_to_one": sig_inverse_decay_to_one,
        "sig_linear_decay_to_one": sig_linear_decay_to_one,
    },
)

#: Legacy union of both registries (any name is accepted for either schedule).
DECAY_FUNCTIONS = Registry("decay function", {**LR_DECAY_FUNCTIONS, **SIGMA_DECAY_FUNCTIONS})
