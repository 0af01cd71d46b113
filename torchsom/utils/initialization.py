"""Compatibility module: codebook initialisation (see :mod:`torchsom.functional.initialization`)."""

from torchsom.functional.initialization import (  # noqa: F401
    initialize_weights,
    pca_init,
    random_init,
)
