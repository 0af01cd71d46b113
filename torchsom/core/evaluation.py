"""Glue between :meth:`torchsom.SOM.evaluate` and :mod:`torchsom.functional.quality`."""

from __future__ import annotations

from typing import Any

from torchsom.functional.quality import DEFAULT_SAMPLE_SIZE, QualityReport, evaluate_map

__all__ = ["evaluate_som", "final_sigma"]


def final_sigma(som: Any) -> float:
    """Sigma of the last epoch of ``som``'s schedule: the neighbourhood training ends with."""
    return float(som.sigma_decay_fn(som.sigma, som.epochs - 1, som.epochs))


def evaluate_som(
    som: Any,
    data: Any,
    k: int = 5,
    sigma: float | None = None,
    sample_size: int | None = DEFAULT_SAMPLE_SIZE,
    random_state: int = 0,
) -> QualityReport:
    """Every quality measure of ``som`` on ``data`` (see :meth:`torchsom.SOM.evaluate`).

    The best-matching units come from the map's own search (``som._best_units``), the
    one that answers :meth:`~torchsom.SOM.identify_bmus` and the error methods.

    Raises
    ------
    ValueError
        For a map with one neuron, ``k`` outside ``1 … n_samples − 2``, or invalid data.
    """
    if som.x * som.y < 2:
        raise ValueError(
            f"evaluate needs a map with at least 2 neurons; this map has x={som.x}, "
            f"y={som.y}: with one neuron the grid measures (topographic error and product, "
            "trustworthiness, continuity) are undefined."
        )
    return evaluate_map(
        data, som.weights.detach(), topology=som.topology, pbc=som.pbc,
        cross_distance=som.internals.cross_distance, neighborhood=som.neighborhood_fn,
        sigma=final_sigma(som) if sigma is None else sigma, k=k, sample_size=sample_size,
        random_state=random_state, search=som.internals.search,
    )
