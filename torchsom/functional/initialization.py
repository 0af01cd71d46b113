"""Codebook initialisation: random samples or the principal plane of the data."""

from __future__ import annotations

import math

import torch

from torchsom.topology.coordinates import grid_positions

__all__ = ["random_init", "pca_init", "unit_random_codebook", "initialize_weights"]


def unit_random_codebook(
    x: int, y: int, num_features: int, generator: torch.Generator, dtype: torch.dtype
) -> torch.Tensor:
    """Random unit-norm vectors, shape (x, y, num_features), drawn with ``generator``."""
    z = torch.rand(x, y, num_features, generator=generator, dtype=torch.float64) * 2.0 - 1.0
    z = z / z.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return z.to(dtype)


def random_init(
    data: torch.Tensor, x: int, y: int, generator: torch.Generator
) -> torch.Tensor:
    """Copy randomly chosen samples (with replacement) into the grid.

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, F).
    x, y : int
        Grid size.
    generator : torch.Generator
        CPU generator that draws the sample indices.

    Returns
    -------
    torch.Tensor
        Shape (x, y, F), on ``data``'s device.
    """
    idx = torch.randint(0, data.shape[0], (x * y,), generator=generator)
    return data[idx.to(data.device)].reshape(x, y, data.shape[1]).clone()


def _principal_axes(data: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean (F,), the two leading unit eigenvectors (2, F) and their std devs (2,)."""
    x64 = data.to(torch.float64)
    mean = x64.mean(dim=0)
    centred = x64 - mean
    cov = centred.T @ centred / (x64.shape[0] - 1)
    eigvals, eigvecs = torch.linalg.eigh(cov)
    order = torch.argsort(eigvals, descending=True)[:2]
    axes = eigvecs[:, order].T.clone()
    # fix the sign so the result does not depend on the solver: largest entry positive
    for k in range(axes.shape[0]):
        if axes[k, torch.argmax(axes[k].abs())] < 0:
            axes[k] = -axes[k]
    stds = eigvals[order].clamp_min(0.0).sqrt()
    return mean, axes, stds


def _unit_span(coord: torch.Tensor) -> torch.Tensor:
    """Affinely map coordinates onto [-1, 1] (all zero when they do not vary)."""
    low, high = coord.min(), coord.max()
    if float(high - low) == 0.0:
        return torch.zeros_like(coord)
    return (coord - (low + high) / 2) / ((high - low) / 2)


def pca_init(data: torch.Tensor, x: int, y: int, topology: str = "rectangular") -> torch.Tensor:
    """Spread the codebook over the plane of the two leading principal components.

    The longer grid axis follows the first component and the shorter one the second.
    Each axis spans ±√3 standard deviations of the data along its component (so the
    codebook has the data's variance along both components), and neuron positions come
    from the grid geometry, so hexagonal rows stay straight.

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, F) with n_samples >= 2 and F >= 2 (checked by the caller).
    x, y : int
        Grid size.
    topology : {"rectangular", "hexagonal"}
        Grid geometry.

    Returns
    -------
    torch.Tensor
        Shape (x, y, F), in ``data``'s dtype and device.
    """
    mean, axes, stds = _principal_axes(data)
    row_coord, col_coord = grid_positions(x, y, topology, dtype=torch.float64)
    u_row, u_col = _unit_span(row_coord), _unit_span(col_coord)
    row_extent = float(row_coord.max() - row_coord.min())
    col_extent = float(col_coord.max() - col_coord.min())
    long_u, short_u = (u_row, u_col) if row_extent >= col_extent else (u_col, u_row)
    # a uniform spread over [-a, a] has variance a²/3: a = √3·σ gives the codebook the
    # data's variance along each component
    half_span = math.sqrt(3.0) * stds
    codebook = (
        mean
        + long_u.unsqueeze(-1) * (half_span[0] * axes[0])
        + short_u.unsqueeze(-1) * (half_span[1] * axes[1])
    )
    return codebook.to(dtype=data.dtype, device=data.device)


def initialize_weights(
    weights: torch.Tensor,
    data: torch.Tensor,
    mode: str,
    topology: str = "rectangular",
    device: str | torch.device | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Return a new codebook shaped like ``weights`` (x, y, F), initialised from ``data``.

    Parameters
    ----------
    weights : torch.Tensor
        Current codebook, shape (x, y, F); only its shape and dtype are used.
    data : torch.Tensor
        Shape (n_samples, F).
    mode : {"random", "pca"}
        Initialisation method.
    topology : {"rectangular", "hexagonal"}
        Grid geometry (used by PCA).
    device : str or torch.device, optional
        Device of the result (default: ``weights``'s device).
    generator : torch.Generator, optional
        CPU generator for ``random``; a fresh seeded one by default.

    Raises
    ------
    ValueError
        For an unknown mode, or PCA with fewer than 2 features or samples.
    """
    x, y, features = weights.shape
    data = data.to(device=device or weights.device, dtype=weights.dtype)
    if mode == "pca":
        if features < 2 or data.shape[0] < 2:
            raise ValueError(
                "PCA initialization needs at least 2 features and 2 samples; got data of "
                f"shape {tuple(data.shape)}."
            )
        return pca_init(data, x, y, topology)
    if mode == "random":
        return random_init(data, x, y, generator or torch.Generator().manual_seed(0))
    raise ValueError(f"mode={mode!r} is not valid; only 'random' or 'pca' are allowed.")
