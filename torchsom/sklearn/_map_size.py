"""The grid size of a map whose ``x`` or ``y`` was left out: taken from the data.

Used by the scikit-learn estimators and by ``torchsom fit``: a side given by the user is
kept; a side left out (``None``) comes from :func:`torchsom.suggest_map_size`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from torchsom._registry import check_choice
from torchsom._validation import check_bool
from torchsom.exceptions import InvalidParameterError
from torchsom.functional.map_size import suggest_map_size, suggested_units
from torchsom.topology.coordinates import TOPOLOGIES

__all__ = ["check_side", "complete_map_size"]


def check_side(name: str, value: Any) -> int | None:
    """Return ``value`` if it is ``None`` or an int >= 1 (bools rejected).

    Raises
    ------
    InvalidParameterError
        Naming ``name``, what is expected and what arrived.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{name} must be an int >= 1, or None to choose it from the data; got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < 1:
        raise InvalidParameterError(
            f"{name} must be an int >= 1, or None to choose it from the data; got {value!r}."
        )
    return int(value)


def complete_map_size(data: Any, x: Any = None, y: Any = None,
                      topology: str = "rectangular", pbc: bool = False) -> tuple[int, int]:
    """The grid ``(x, y)`` (rows, columns) for ``data``, filling in the sides left out.

    * both sides given: they are returned unchanged;
    * both left out: ``suggest_map_size(data, topology=topology, pbc=pbc)``, which sizes
      the grid by the number of rows of ``data`` and shapes it by its two main spreads;
    * one side given: it is kept, and the other makes the map about as large as the
      suggestion, ``M = 5 · N^0.54321`` neurons for ``N`` rows:
      ``other = max(1, round(M / given))``. On a hexagonal torus a derived ``x`` is
      rounded up to an even number (odd row counts do not close into a torus).

    Parameters
    ----------
    data : array-like
        Shape (n_samples, n_features): the training data, finite and non-empty.
    x, y : int or None
        Rows and columns; ``None`` to choose from the data.
    topology : {"rectangular", "hexagonal"}, default="rectangular"
    pbc : bool, default=False

    Returns
    -------
    x, y : int

    Raises
    ------
    InvalidParameterError
        If ``x`` or ``y`` is neither ``None`` nor an int >= 1, or (when a side is left
        out) for an unknown ``topology`` or a non-bool ``pbc``.
    """
    rows, cols = check_side("x", x), check_side("y", y)
    if rows is not None and cols is not None:
        return rows, cols
    check_choice("topology", topology, TOPOLOGIES)
    check_bool("pbc", pbc)
    if rows is None and cols is None:
        return suggest_map_size(data, topology=topology, pbc=bool(pbc))
    units = suggested_units(len(data))
    if rows is None:
        rows = max(1, math.floor(units / cols + 0.5))
        if topology == "hexagonal" and pbc and rows % 2:
            rows += 1
        return rows, cols
    return rows, max(1, math.floor(units / rows + 0.5))
