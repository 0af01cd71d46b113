"""What the neurons are clustered on: one feature row per neuron.

``weights``
    The codebook vectors, shape (x·y, num_features).
``positions``
    The neurons' grid positions ``(row_coord, col_coord)`` from
    :func:`torchsom.topology.grid_positions`, shape (x·y, 2).
``combined``
    Both, joined after standardisation: every column is centred and scaled to unit
    variance (constant columns are only centred), then each part is divided by the
    square root of its number of columns, so the weights and the positions carry the
    same total variance whatever the number of features. Shape (x·y, num_features + 2).
"""

from __future__ import annotations

import torch

from torchsom._registry import check_choice
from torchsom.topology.coordinates import grid_positions

__all__ = ["FEATURE_SPACES", "clustering_features"]

FEATURE_SPACES = ("weights", "positions", "combined")


def _standardise_block(block: torch.Tensor) -> torch.Tensor:
    centred = block - block.mean(dim=0, keepdim=True)
    std = centred.std(dim=0, unbiased=False, keepdim=True)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return centred / std / float(block.shape[1]) ** 0.5


def clustering_features(
    weights: torch.Tensor, topology: str = "rectangular", feature_space: str = "weights"
) -> torch.Tensor:
    """One feature row per neuron, in flat (row-major) neuron order.

    Parameters
    ----------
    weights : torch.Tensor
        The codebook, shape (x, y, num_features).
    topology : {"rectangular", "hexagonal"}
        Grid geometry, used for the positions.
    feature_space : {"weights", "positions", "combined"}
        What to cluster on (see the module documentation).

    Returns
    -------
    torch.Tensor
        Shape (x·y, d) with d = num_features, 2 or num_features + 2.
    """
    check_choice("feature_space", feature_space, FEATURE_SPACES)
    if not isinstance(weights, torch.Tensor) or weights.dim() != 3:
        shape = tuple(weights.shape) if hasattr(weights, "shape") else type(weights).__name__
        raise ValueError(
            f"weights must be a tensor of shape (x, y, num_features); got {shape}."
        )
    x, y, n_features = weights.shape
    flat = weights.detach().reshape(x * y, n_features)
    if feature_space == "weights":
        return flat
    rows, cols = grid_positions(x, y, topology, dtype=flat.dtype, device=flat.device)
    positions = torch.stack((rows.reshape(-1), cols.reshape(-1)), dim=1)
    if feature_space == "positions":
        return positions
    return torch.cat((_standardise_block(flat), _standardise_block(positions)), dim=1)
