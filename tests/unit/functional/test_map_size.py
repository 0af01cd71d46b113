"""Vesanto's map-size heuristic (functional/map_size.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import torchsom
from torchsom.exceptions import InvalidParameterError
from torchsom.functional.map_size import suggest_map_size, suggested_units

# covariance diag(8/3, 2/3): principal spreads 2:1
CROSS = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
# a 10×10 square of points: equal spread in both directions
SQUARE = np.stack(np.meshgrid(np.arange(10.0), np.arange(10.0)), -1).reshape(-1, 2)


def test_unit_count_is_five_times_n_to_the_0_54321() -> None:
    assert suggested_units(100) == pytest.approx(5 * 100**0.54321)
    assert suggested_units(10_000) == pytest.approx(5 * 10_000**0.54321)
    assert suggested_units(1) == 5.0


def test_sides_follow_the_two_principal_spreads() -> None:
    # M = 5·4^0.54321 = 10.62, r = 2: y = round(√(10.62 / 2)) = 2, x = round(10.62 / 2) = 5
    assert suggest_map_size(CROSS) == (5, 2)
    turn = np.array([[math.cos(0.5), -math.sin(0.5)], [math.sin(0.5), math.cos(0.5)]])
    assert suggest_map_size(CROSS @ turn.T) == (5, 2)  # a rotation changes nothing
    assert suggest_map_size(CROSS * 10.0 + 3.0) == (5, 2)  # nor do scale and shift


def test_hexagonal_rows_are_closer_together() -> None:
    # M = 61.0, r = 1. Rectangular: y = round(√61.0) = 8, x = round(61.0 / 8) = 8.
    # Hexagonal rows are √3/2 apart: y = round(√(61.0 · √3/2)) = 7, x = round(61.0 / 7) = 9
    assert suggest_map_size(SQUARE) == (8, 8)
    assert suggest_map_size(SQUARE, "hexagonal") == (9, 7)
    assert suggest_map_size(SQUARE, "hexagonal", pbc=True) == (10, 7)  # even rows
    assert suggest_map_size(SQUARE, "rectangular", pbc=True) == (8, 8)


def test_degenerate_spreads() -> None:
    # one feature (or one direction): a single column of M = 17.47 → 17 neurons
    assert suggest_map_size(np.arange(10.0).reshape(-1, 1)) == (17, 1)
    assert suggest_map_size(np.c_[np.arange(10.0), np.zeros(10)]) == (17, 1)
    assert suggest_map_size(np.zeros((10, 3))) == (4, 4)  # constant data: square
    assert suggest_map_size([[1.0, 2.0]]) == (3, 2)  # one sample: M = 5


def test_docstring_example_and_input_kinds() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(1000, 3)) * [4.0, 1.0, 0.5]
    assert suggest_map_size(data) == (30, 7)
    assert suggest_map_size(torch.from_numpy(data)) == (30, 7)
    assert suggest_map_size(data.astype(np.float32)) == (30, 7)
    assert suggest_map_size(data.tolist()) == (30, 7)


def test_exported_from_the_package_root() -> None:
    assert torchsom.suggest_map_size is suggest_map_size
    assert "suggest_map_size" in torchsom.__all__


def test_bad_input_is_rejected() -> None:
    holed = SQUARE.copy()
    holed[12, 0] = np.nan
    with pytest.raises(ValueError, match=r"data contains 1 NaN.*row 12"):
        suggest_map_size(holed)
    with pytest.raises(ValueError, match=r"data is empty"):
        suggest_map_size(np.empty((0, 2)))
    with pytest.raises(InvalidParameterError, match=r"topology.*'square'"):
        suggest_map_size(SQUARE, "square")
    with pytest.raises(InvalidParameterError, match=r"pbc must be True or False"):
        suggest_map_size(SQUARE, pbc="yes")
