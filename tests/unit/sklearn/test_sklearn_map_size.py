"""The grid of a map whose ``x`` or ``y`` was left out (torchsom/sklearn/_map_size.py)."""

from __future__ import annotations

import numpy as np
import pytest

from torchsom import suggest_map_size
from torchsom.exceptions import InvalidParameterError
from torchsom.sklearn._map_size import check_side, complete_map_size

RNG = np.random.default_rng(0)
# 1000 rows spread 4 : 1 : 0.5 along the axes; M = 5 · 1000^0.54321 = 213.1 neurons
LONG = RNG.normal(size=(1000, 3)) * [4.0, 1.0, 0.5]


def test_both_sides_left_out_give_the_suggestion() -> None:
    assert complete_map_size(LONG) == suggest_map_size(LONG) == (30, 7)
    for topology in ("rectangular", "hexagonal"):
        for pbc in (False, True):
            assert complete_map_size(LONG, topology=topology, pbc=pbc) == suggest_map_size(
                LONG, topology=topology, pbc=pbc)


def test_given_sides_are_kept_and_the_data_is_not_read() -> None:
    assert complete_map_size(LONG, 3, 40) == (3, 40)
    assert complete_map_size(None, np.int64(5), 2) == (5, 2)  # numpy ints are ints
    assert isinstance(complete_map_size(None, np.int64(5), 2)[0], int)


def test_one_side_given_the_other_gives_about_m_neurons() -> None:
    units = 5 * 1000**0.54321  # 213.1
    assert complete_map_size(LONG, x=10) == (10, round(units / 10)) == (10, 21)
    assert complete_map_size(LONG, y=7) == (round(units / 7), 7) == (30, 7)
    assert complete_map_size(LONG, y=500) == (1, 500)  # never fewer than one row
    # on a hexagonal torus a chosen row count is rounded up to even (213.1 / 7 = 30.4;
    # 213.1 / 5 = 42.6 → 43 → 44); a given one is left for the map to check
    assert complete_map_size(LONG, y=5, topology="hexagonal", pbc=True) == (44, 5)
    assert complete_map_size(LONG, y=5, topology="hexagonal") == (43, 5)
    assert complete_map_size(LONG, y=5, pbc=True) == (43, 5)
    assert complete_map_size(LONG, x=7, topology="hexagonal", pbc=True) == (7, 30)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (0, None, "x must be an int >= 1, or None to choose it from the data; got 0."),
        (None, -3, "y must be an int >= 1, or None to choose it from the data; got -3."),
        (2.5, None, "x must be an int >= 1, or None .*; got 2.5 of type float"),
        (None, True, "y must be an int >= 1, or None .*; got True of type bool"),
        ("8", 4, "x must be an int >= 1, or None .*; got '8' of type str"),
    ],
)
def test_bad_sides_are_rejected_by_name(x, y, message) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        complete_map_size(LONG, x, y)


def test_bad_topology_or_pbc_are_named_when_a_side_is_chosen() -> None:
    with pytest.raises(InvalidParameterError, match="topology"):
        complete_map_size(LONG, topology="hex")
    with pytest.raises(InvalidParameterError, match="topology"):
        complete_map_size(LONG, x=3, topology="hex")
    with pytest.raises(InvalidParameterError, match="pbc"):
        complete_map_size(LONG, y=3, pbc="yes")


def test_check_side() -> None:
    assert check_side("x", None) is None
    assert check_side("x", 1) == 1
    with pytest.raises(ValueError, match="x must be an int >= 1"):
        check_side("x", 0)
