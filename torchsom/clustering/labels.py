"""Labellings as the cluster measures read them, and the block size they share.

A labelling is one integer per sample (or per neuron); ``-1`` marks noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["BLOCK", "as_labels", "block_rows", "noise_ratio"]

#: entries of one (chunk × n) distance block of the pairwise measures
BLOCK = 4_000_000


def as_labels(labels: Any) -> torch.Tensor:
    """``labels`` (any shape) as a flat int64 CPU tensor."""
    if isinstance(labels, torch.Tensor):
        return labels.detach().reshape(-1).long().cpu()
    return torch.as_tensor(np.asarray(labels).reshape(-1).astype(np.int64))


def block_rows(n: int) -> int:
    """Rows per block when each row meets ``n`` others: :data:`BLOCK` entries at most."""
    return max(1, BLOCK // max(1, n))


def noise_ratio(labels: Any) -> float:
    """Share of labels equal to ``-1`` (0.0 for an empty labelling)."""
    lab = as_labels(labels)
    return float((lab == -1).double().mean()) if lab.numel() else 0.0
