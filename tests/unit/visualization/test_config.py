"""VisualizationConfig checks its settings when it is made."""

from __future__ import annotations

import pytest

from torchsom.visualization.config import VisualizationConfig


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"save_format": "xyz"}, "save_format='xyz'"),
        ({"dpi": -1}, "dpi must be a finite number >= 0"),
        ({"dpi": 0}, "dpi and hex_radius must be > 0"),
        ({"hex_radius": float("nan")}, "hex_radius"),
        ({"figsize": (3,)}, "figsize"),
        ({"figsize": (3, -1)}, "figsize"),
    ],
)
def test_config_validates(kwargs, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        VisualizationConfig(**kwargs)


def test_config_accepts_other_formats() -> None:
    assert VisualizationConfig(save_format="pdf", figsize=[4, 3]).save_format == "pdf"
