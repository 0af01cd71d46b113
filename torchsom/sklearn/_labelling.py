"""Per-neuron outputs from the rows a map places on it, smoothed over the grid.

For neuron ``n`` and output column ``j``::

    out[n, j] = Σ_i h(b_i, n) · w_i · m_ij · t_ij  /  Σ_i h(b_i, n) · w_i · m_ij

with ``b_i`` row ``i``'s best-matching unit, ``h`` a gaussian of the grid distance with
width ``sigma``, ``w_i`` the sample weight and ``m_ij`` 1 where ``t_ij`` is observed. For
one-hot class columns this is the neighbourhood's weighted class vote (its rows sum to
1); for targets it is their weighted neighbourhood mean. A neuron too far from every
observed row (the denominator underflows) gets the weighted global mean. The
smoothing runs on per-neuron sums, so memory stays O(neurons × outputs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.functional.smoothing import GridKernel

__all__ = ["neuron_means", "final_sigma"]


def final_sigma(som: Any) -> float:
    """The neighbourhood width of the map's last training epoch."""
    return float(som.sigma_decay_fn(som.sigma, som.epochs - 1, som.epochs))


def neuron_means(
    som: Any,
    bmu: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray,
    sigma: float,
) -> np.ndarray:
    """Weighted neighbourhood mean of ``targets`` at every neuron.

    Parameters
    ----------
    som : torchsom.SOM
        The trained map (its grid and topology are used).
    bmu : numpy.ndarray
        Shape (n_samples,): flat best-matching unit of each row.
    targets : numpy.ndarray
        Shape (n_samples, k), float64; NaN marks an unobserved entry.
    weights : numpy.ndarray
        Shape (n_samples,), non-negative sample weights.
    sigma : float
        Width of the gaussian over the grid, in grid units.

    Returns
    -------
    numpy.ndarray
        Shape (x·y, k), float64.
    """
    observed = ~np.isnan(targets)
    mass = weights[:, None] * observed  # (n, k)
    values = np.where(observed, targets, 0.0) * mass
    n_neurons = som.x * som.y
    k = targets.shape[1]
    device = som.weights.device
    stats = torch.zeros(n_neurons, 2 * k, dtype=torch.float64, device=device)
    stats.index_add_(0, torch.as_tensor(bmu, device=device),
                     torch.from_numpy(np.concatenate((values, mass), axis=1)).to(device))
    kernel = GridKernel(som.internals.grid_index(), NEIGHBORHOOD_FUNCTIONS["gaussian"],
                        float(sigma), torch.float64)
    smoothed = kernel.smooth(stats).cpu().numpy()
    sums, totals = smoothed[:, :k], smoothed[:, k:]
    prior = values.sum(0) / np.maximum(mass.sum(0), np.finfo(np.float64).tiny)
    ok = totals > 1e-12 * np.maximum(totals.max(0, keepdims=True), np.finfo(np.float64).tiny)
    return np.where(ok, sums / np.where(ok, totals, 1.0), prior)
