"""Compatibility module: neighbourhood kernels (see :mod:`torchsom.functional.neighborhood`)."""

from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS  # noqa: F401
