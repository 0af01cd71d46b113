"""The component-plane page layout: grid choice, page growth, title wrapping."""

from __future__ import annotations

import pytest

from torchsom.visualization import VisualizationConfig
from torchsom.visualization._plane_layout import (
    MIN_MAP_INCHES,
    TICKS_FROM_INCHES,
    plane_layout,
    text_width,
    wrap_title,
)

CONFIG = VisualizationConfig()
LABELS = ["0", "0.5", "1"]


def test_two_planes_sit_side_by_side_with_index_ticks() -> None:
    layout = plane_layout(2, 1.0, ["a", "b"], LABELS, False, (12.0, 8.0), 0.5, CONFIG)
    assert (layout.rows, layout.cols) == (1, 2)
    assert layout.map_w >= TICKS_FROM_INCHES and layout.ticks
    assert layout.map_h == pytest.approx(layout.map_w)  # the aspect is kept
    assert layout.cols * layout.slot_w <= 12.0 and layout.slot_h + 0.5 <= 8.0


def test_many_planes_grow_the_page_instead_of_shrinking_the_maps() -> None:
    names = [f"f{i}" for i in range(64)]
    layout = plane_layout(64, 1.0, names, LABELS, False, (6.0, 4.0), 0.5, CONFIG)
    assert layout.map_w >= MIN_MAP_INCHES - 1e-9
    assert 0.5 + layout.rows * layout.slot_h > 4.0
    assert layout.rows * layout.cols >= 64 and not layout.ticks


def test_a_shared_colour_bar_frees_the_panels_bars() -> None:
    own = plane_layout(4, 1.0, list("abcd"), LABELS, False, (10.0, 8.0), 0.5, CONFIG)
    shared = plane_layout(4, 1.0, list("abcd"), LABELS, True, (10.0, 8.0), 0.5, CONFIG)
    assert own.bar_w > 0 and own.label_w > 0
    assert shared.bar_w == 0 and shared.label_w == 0


def test_a_page_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match=r"figsize \(0.5, 0.5\) is too small for 3"):
        plane_layout(3, 1.0, list("abc"), LABELS, False, (0.5, 0.5), 0.1, CONFIG)


def test_wrap_title_breaks_on_separators_and_shortens() -> None:
    name = "od280/od315_of_diluted_wines"
    wrapped = wrap_title(name, 1.3, 10)
    lines = wrapped.split("\n")
    assert len(lines) == 2 and "".join(lines) == name
    assert all(text_width(line, 10) <= 1.3 for line in lines)
    assert wrap_title("short", 2.0, 10) == "short"
    long = wrap_title("x" * 80, 1.0, 10)
    assert long.count("\n") == 1 and long.endswith("…")
    assert all(text_width(line, 10) <= 1.0 for line in long.split("\n"))


def test_text_width_scales_with_the_font_size() -> None:
    assert text_width("abc", 20) == pytest.approx(2 * text_width("abc", 10))
    assert text_width("abcdef", 10) > text_width("abc", 10) > 0
