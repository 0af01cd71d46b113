"""Core SOM classes."""

from torchsom.core.base_som import BaseSOM
from torchsom.core.som import SOM

__all__ = ["SOM", "BaseSOM"]
