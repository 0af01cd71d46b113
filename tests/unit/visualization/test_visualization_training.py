"""The training-curve plot: quantization and topographic error per epoch."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from torchsom.visualization.training import plot_training_errors


def test_training_errors_accept_lists_and_tensors() -> None:
    axes = plot_training_errors([3.0, 2.0, 1.5], torch.tensor([10.0, 5.0, 4.0]))
    top, bottom = axes
    np.testing.assert_allclose(top.lines[0].get_ydata(), [3.0, 2.0, 1.5])
    np.testing.assert_allclose(bottom.lines[0].get_xdata(), [0, 1, 2])
    assert bottom.get_ylabel() == "Topographic error (%)"
    assert bottom.get_xlabel() == "Epoch"


def test_training_errors_into_given_axes_and_bad_input() -> None:
    fig, pair = plt.subplots(2)
    assert plot_training_errors([1.0], [2.0], ax=pair) == list(pair)
    with pytest.raises(ValueError, match="pair of Axes"):
        plot_training_errors([1.0], [2.0], ax=[pair[0]])
    with pytest.raises(ValueError, match="quantization_errors is empty"):
        plot_training_errors([], [1.0])
