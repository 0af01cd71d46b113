"""SOMConfig: a validated set of SOM settings that builds a SOM."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from torchsom import SOM
from torchsom.configs import SOMConfig


def test_som_config_round_trip_and_errors() -> None:
    config = SOMConfig(x=3, y=4, num_features=2, topology="hexagonal", device="cpu")
    som = SOM.from_config(config, epochs=2)
    assert (som.x, som.y, som.topology, som.epochs) == (3, 4, "hexagonal", 2)
    assert SOM.from_config(config.model_dump()).get_params()["topology"] == "hexagonal"
    with pytest.raises(ValidationError, match=r"topology='hex' is not one of"):
        SOMConfig(x=3, y=4, topology="hex")
    with pytest.raises(ValidationError, match=r"colour"):
        SOMConfig(x=3, y=4, colour="red")
    with pytest.raises(ValidationError, match=r"x"):
        SOMConfig(x=0, y=4)
