"""Checks of y: clear errors for bad labels and targets, unlabelled markers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import DataConversionWarning

from torchsom.sklearn._targets import check_targets, encode_labels, require_y


def test_labels_are_coded_against_sorted_classes() -> None:
    codes, classes = encode_labels(["b", "a", "c", "a"], 4, semi_supervised=False)
    assert classes.tolist() == ["a", "b", "c"] and codes.tolist() == [1, 0, 2, 0]
    codes, classes = encode_labels(pd.Series([3, 1, 3]), 3, semi_supervised=False)
    assert classes.tolist() == [1, 3] and codes.tolist() == [1, 0, 1]
    codes, _ = encode_labels(torch.tensor([0, 1, 1]), 3, semi_supervised=False)
    assert codes.tolist() == [0, 1, 1]


def test_minus_one_is_a_class_unless_semi_supervised() -> None:
    codes, classes = encode_labels([-1, 0, 1], 3, semi_supervised=False)
    assert classes.tolist() == [-1, 0, 1] and codes.tolist() == [0, 1, 2]
    codes, classes = encode_labels([-1, 0, 1], 3, semi_supervised=True)
    assert classes.tolist() == [0, 1] and codes.tolist() == [-1, 0, 1]


def test_unlabelled_markers_nan_and_none() -> None:
    codes, classes = encode_labels(np.array([0.0, np.nan, 1.0, -1.0]), 4, semi_supervised=True)
    assert classes.tolist() == [0.0, 1.0] and codes.tolist() == [0, -1, 1, -1]
    codes, classes = encode_labels(["x", None, "y"], 3, semi_supervised=True)
    assert classes.tolist() == ["x", "y"] and codes.tolist() == [0, -1, 1]
    with pytest.raises(ValueError, match="Input y contains NaN.*semi_supervised=True"):
        encode_labels(np.array([0.0, np.nan]), 2, semi_supervised=False)
    with pytest.raises(ValueError, match="no labelled row"):
        encode_labels([-1, -1], 2, semi_supervised=True)


def test_label_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="y has 3 entries but X has 4 rows"):
        encode_labels([0, 1, 0], 4, semi_supervised=False)
    with pytest.raises(ValueError, match="mixes strings and other values.*'a' and 1"):
        encode_labels(["a", 1, "b"], 3, semi_supervised=False)
    with pytest.raises(ValueError, match="mixes strings"):
        encode_labels(pd.Series(["a", 2.5], dtype=object), 2, semi_supervised=False)
    with pytest.raises(ValueError, match="Input y contains infinity"):
        encode_labels([0.0, np.inf], 2, semi_supervised=True)
    with pytest.raises(ValueError, match="Unknown label type"):
        encode_labels([0.5, 1.25, 2.0], 3, semi_supervised=False)
    with pytest.raises(ValueError, match=r"shape \(n_samples,\).*got shape \(3, 2\)"):
        encode_labels(np.zeros((3, 2), dtype=int), 3, semi_supervised=False)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        codes, _ = encode_labels(np.array([[0], [1]]), 2, semi_supervised=False)
    assert codes.tolist() == [0, 1]


def test_targets_are_float_tables_with_nan_only_in_semi_supervised_mode() -> None:
    table, one_d = check_targets([1, 2, 3], 3, semi_supervised=False)
    assert table.dtype == np.float64 and table.shape == (3, 1) and one_d
    table, one_d = check_targets(np.ones((3, 2)), 3, semi_supervised=False)
    assert table.shape == (3, 2) and not one_d
    with pytest.raises(ValueError, match=r"Input y contains NaN \(1 entries\).*semi_supervised"):
        check_targets([1.0, np.nan], 2, semi_supervised=False)
    table, _ = check_targets([1.0, np.nan], 2, semi_supervised=True)
    assert np.isnan(table[1, 0])
    with pytest.raises(ValueError, match="infinity"):
        check_targets([1.0, np.inf], 2, semi_supervised=True)
    with pytest.raises(ValueError, match="must hold numbers for regression"):
        check_targets(["a", "b"], 2, semi_supervised=False)
    with pytest.raises(ValueError, match=r"\(n_samples, n_outputs\); got \(2, 1, 1\)"):
        check_targets(np.zeros((2, 1, 1)), 2, semi_supervised=False)
    with pytest.raises(ValueError, match="y has 2 entries but X has 3 rows"):
        check_targets([1.0, 2.0], 3, semi_supervised=False)
    with pytest.raises(ValueError, match="no labelled row for at least one output"):
        check_targets(np.array([[1.0, np.nan], [2.0, np.nan]]), 2, semi_supervised=True)
    with pytest.raises(ValueError, match="requires y to be passed"):
        require_y(None, "SOMRegressor")
