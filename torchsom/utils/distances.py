"""Compatibility module: distance functions (see :mod:`torchsom.functional.distances`)."""

from torchsom.functional.distances import (  # noqa: F401
    DISTANCE_FUNCTIONS,
    PAIRWISE_DISTANCE_FUNCTIONS,
)
