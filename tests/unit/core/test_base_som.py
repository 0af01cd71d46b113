"""BaseSOM: the abstract contract every map implements."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from torchsom import SOM
from torchsom.core.base_som import BaseSOM

CONTRACT = {"fit", "identify_bmus", "quantization_error", "topographic_error",
            "initialize_weights"}


def test_the_contract_lists_the_five_methods() -> None:
    assert BaseSOM.__abstractmethods__ == frozenset(CONTRACT)
    assert issubclass(BaseSOM, nn.Module)


def test_a_map_missing_a_method_cannot_be_built() -> None:
    class Partial(BaseSOM):
        def fit(self, data: Any) -> Any:
            return None

    with pytest.raises(TypeError, match=r"abstract method"):
        Partial()


def test_a_complete_implementation_is_a_module() -> None:
    class Constant(BaseSOM):
        """A one-neuron map that never moves: enough to satisfy the contract."""

        def __init__(self) -> None:
            super().__init__()
            self.weights = nn.Parameter(torch.zeros(1, 1, 2), requires_grad=False)

        def fit(self, data: Any) -> Any:
            return [], []

        def identify_bmus(self, data: Any) -> torch.Tensor:
            return torch.zeros(len(data), 2, dtype=torch.long)

        def quantization_error(self, data: Any) -> float:
            return float(torch.as_tensor(data).norm(dim=1).mean())

        def topographic_error(self, data: Any) -> float:
            return 0.0

        def initialize_weights(self, data: Any, mode: str | None = None) -> None:
            self.weights.data[0, 0] = torch.as_tensor(data).mean(0)

    som = Constant()
    som.initialize_weights(torch.tensor([[1.0, 3.0], [3.0, 5.0]]))
    assert som.weights[0, 0].tolist() == [2.0, 4.0]
    assert "weights" in som.state_dict()
    assert som.quantization_error(torch.tensor([[3.0, 4.0]])) == 5.0


def test_som_implements_the_contract() -> None:
    assert issubclass(SOM, BaseSOM) and not SOM.__abstractmethods__
