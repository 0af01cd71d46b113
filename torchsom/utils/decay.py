"""Compatibility module: decay schedules (see :mod:`torchsom.functional.decay`)."""

from torchsom.functional.decay import (  # noqa: F401
    DECAY_FUNCTIONS,
    LR_DECAY_FUNCTIONS,
    SIGMA_DECAY_FUNCTIONS,
    asymptotic_decay,
    lr_inverse_decay_to_zero,
    lr_linear_decay_to_zero,
    sig_inverse_decay_to_one,
    sig_linear_decay_to_one,
)
