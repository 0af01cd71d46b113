"""A default map size from the data: Vesanto's heuristic."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from torchsom._registry import check_choice
from torchsom._validation import as_data, check_bool
from torchsom.topology.coordinates import HEX_ROW_HEIGHT, TOPOLOGIES

__all__ = ["suggest_map_size", "suggested_units"]

#: chunk of rows accumulated at a time when computing the covariance
_CHUNK = 65536


def suggested_units(n_samples: int) -> float:
    """``5 · N^0.54321`` neurons for ``N`` samples (``5·√N`` grown by ``N^0.04321``: 1.3×
    at 1 000 samples, 1.8× at 10⁶)."""
    return 5.0 * n_samples ** 0.54321


def suggest_map_size(data: Any, topology: str = "rectangular",
                     pbc: bool = False) -> tuple[int, int]:
    """Suggest a grid size ``(x, y)`` (rows, columns) for ``data``.

    The map gets ``M = 5 · N^0.54321`` (about ``5·√N``) neurons for ``N`` samples, and its
    sides follow the data's spread: with ``λ₁ ≥ λ₂`` the two largest eigenvalues of the
    covariance of ``data`` (the variances along its first two principal components), the
    long side is ``r = √(λ₁ / λ₂)`` times the short one. On a rectangular grid
    ``x / y = r``; on a hexagonal grid rows are ``√3/2`` apart, so ``(√3/2) · x / y = r``.
    Then ``y = round(√(M · s / r))`` and ``x = round(M / y)``, with ``s = 1`` (rectangular)
    or ``√3/2`` (hexagonal). The ratio is capped so that ``y >= 1`` (data with one feature,
    or spread along one direction only, get a single column) and is 1 for constant data.
    (J. Vesanto, J. Himberg, E. Alhoniemi & J. Parhankangas, technical report A57,
    Helsinki University of Technology, 2000.)

    Parameters
    ----------
    data : array-like
        Shape (n_samples, n_features); finite, non-empty.
    topology : {"rectangular", "hexagonal"}, default="rectangular"
        Grid the map will use.
    pbc : bool, default=False
        The map will be a torus: on a hexagonal grid ``x`` is then rounded up to an even
        number (odd-r rows only close into a torus with an even row count).

    Returns
    -------
    x, y : int
        Rows and columns, ``x >= y >= 1``: the long side runs down the rows.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> suggest_map_size(rng.normal(size=(1000, 3)) * [4.0, 1.0, 0.5])
    (30, 7)
    """
    check_choice("topology", topology, TOPOLOGIES)
    check_bool("pbc", pbc)
    float64 = getattr(data, "dtype", None) in (torch.float64, np.float64)
    samples = as_data(data, name="data", dtype=torch.float64 if float64 else torch.float32,
                      device=getattr(data, "device", "cpu"))
    n = samples.shape[0]
    units = suggested_units(n)
    top, second = _leading_variances(samples)
    spacing = HEX_ROW_HEIGHT if topology == "hexagonal" else 1.0
    ratio = 1.0 if top <= 0.0 else (
        units * spacing if second <= 0.0 else min(math.sqrt(top / second), units * spacing))
    y = max(1, math.floor(math.sqrt(units * spacing / ratio) + 0.5))
    x = max(1, math.floor(units / y + 0.5))
    x, y = max(x, y), min(x, y)  # rounding can tip a square-ish grid over
    if topology == "hexagonal" and pbc and x % 2:
        x += 1
    return x, y


def _leading_variances(samples: torch.Tensor) -> tuple[float, float]:
    """The two largest eigenvalues of the sample covariance (0 where missing)."""
    n, features = samples.shape
    if n < 2:
        return 0.0, 0.0
    mean = torch.zeros(features, dtype=torch.float64, device=samples.device)
    for start in range(0, n, _CHUNK):
        mean += samples[start : start + _CHUNK].sum(0, dtype=torch.float64)
    mean /= n
    scatter = torch.zeros(features, features, dtype=torch.float64, device=samples.device)
    for start in range(0, n, _CHUNK):
        block = samples[start : start + _CHUNK].double() - mean
        scatter += block.T @ block
    values = torch.linalg.eigvalsh(scatter / (n - 1)).flip(0).clamp(min=0.0).tolist()
    return values[0], (values[1] if len(values) > 1 else 0.0)
