"""Private ``SOM`` helpers of earlier releases that code and tests written for them call.

``SOM._vectorized_neighborhood`` and ``SOM._update_weights`` keep their names and
signatures as one-line methods that forward here. Training itself never uses them: the
training engine (:mod:`torchsom._engine`) applies the same update rule in bulk.
"""

from __future__ import annotations

from typing import Any

import torch

from torchsom.functional.smoothing import GridKernel
from torchsom.functional.update import minibatch_update

__all__ = ["update_weights", "vectorized_neighborhood"]


def vectorized_neighborhood(som: Any, bmu_indices_flat: Any, sigma: float) -> torch.Tensor:
    """Neighbourhood weights around the flat BMU indices (b,) at ``sigma``: (b, x, y)."""
    kernel = GridKernel(som.internals.grid_index(), som.neighborhood_fn, float(sigma),
                        som.weights.dtype)
    flat = torch.as_tensor(bmu_indices_flat, device=som.internals.positions.device).reshape(-1)
    return kernel.rows(flat.long()).reshape(-1, som.x, som.y)


def update_weights(som: Any, data: torch.Tensor, bmus: Any, learning_rate: float,
                   sigma: float) -> None:
    """One mini-batch update of ``som``'s codebook in place.

    ``data`` (b, F) moves every neuron ``n`` by ``(lr / b) · Σ_k h(bmu_k, n) · (x_k − w_n)``;
    ``bmus`` (b, 2) are the samples' BMUs as grid coordinates.
    """
    bmus = torch.as_tensor(bmus, device=som.weights.device).reshape(-1, 2)
    flat = bmus[:, 0] * som.y + bmus[:, 1]
    rows = vectorized_neighborhood(som, flat, sigma).reshape(flat.shape[0], -1)
    batch = data.reshape(-1, som.num_features).to(som.weights)
    staged = torch.cat((batch, batch.new_ones(batch.shape[0], 1)), dim=1)
    codebook = som.weights.detach().reshape(-1, som.num_features)
    codebook_t = codebook.t().contiguous()
    with torch.no_grad():
        minibatch_update(codebook_t, staged, rows * (float(learning_rate) / batch.shape[0]),
                         codebook_t.new_empty(som.num_features + 1, codebook_t.shape[1]))
        codebook.copy_(codebook_t.t())
    som.internals.weights_changed()
