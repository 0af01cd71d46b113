"""Abstract interface shared by self-organizing map implementations."""

from __future__ import annotations

import abc
from typing import Any

import torch
from torch import nn

__all__ = ["BaseSOM"]


class BaseSOM(nn.Module, abc.ABC):
    """Contract every SOM implements: initialise, fit, search and measure."""

    @abc.abstractmethod
    def fit(self, data: Any) -> Any:
        """Train the map on ``data`` of shape (n_samples, num_features)."""

    @abc.abstractmethod
    def identify_bmus(self, data: Any) -> torch.Tensor:
        """Grid coordinates of each sample's best-matching unit."""

    @abc.abstractmethod
    def quantization_error(self, data: Any) -> float:
        """Mean distance from each sample to its best-matching unit."""

    @abc.abstractmethod
    def topographic_error(self, data: Any) -> float:
        """Fraction of samples whose two best units are not adjacent."""

    @abc.abstractmethod
    def initialize_weights(self, data: Any, mode: str | None = None) -> None:
        """Set the codebook from ``data``."""
