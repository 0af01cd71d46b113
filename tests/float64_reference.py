"""Float64 references written from the definitions, for the numerics and property tests.

The references never call torchsom: distances, grid positions, the quantization error
and the topographic error are computed directly in float64 from the samples and a
codebook. :func:`check_map` and :func:`check_fit` hold a map against them.
"""

from __future__ import annotations

import math
from typing import Any

import torch

#: two neurons are adjacent when their grid distance is at most this: the 8 surrounding
#: cells of a rectangular grid lie within √2 (the next ring at 2), the 6 touching hexagons
#: at 1 (the next ring at √3)
ADJACENT = 1.5


def distances(data: torch.Tensor, codebook: torch.Tensor, name: str) -> torch.Tensor:
    """Distances of every sample (m, F) to every neuron (n, F), float64, shape (m, n).

    Cosine distance is ``1 - cos``, with vector norms below 1e-12 taken as 1e-12 (the
    documented convention: a zero vector is at distance 1 from everything).
    """
    x, w = data.double(), codebook.double()
    diff = x[:, None, :] - w[None]
    if name == "euclidean":
        return diff.pow(2).sum(-1).sqrt()
    if name == "manhattan":
        return diff.abs().sum(-1)
    if name == "chebyshev":
        return diff.abs().amax(-1)
    if name == "cosine":
        norms = x.norm(dim=1).clamp_min(1e-12)[:, None] * w.norm(dim=1).clamp_min(1e-12)[None]
        return (1.0 - (x @ w.T) / norms).clamp_min(0.0)
    raise ValueError(f"no reference for distance {name!r}")


def grid_positions(x: int, y: int, topology: str) -> torch.Tensor:
    """Neuron positions (x·y, 2) in row-major order; odd hexagonal rows shift right by ½."""
    row = torch.arange(x, dtype=torch.float64).repeat_interleave(y)
    col = torch.arange(y, dtype=torch.float64).repeat(x)
    if topology == "hexagonal":
        col = col + 0.5 * (row % 2)
        row = row * math.sqrt(3.0) / 2.0
    return torch.stack((row, col), 1)


def adjacent(first: torch.Tensor, second: torch.Tensor, x: int, y: int, topology: str,
             pbc: bool) -> torch.Tensor:
    """Whether neurons ``first[i]`` and ``second[i]`` (flat indices) touch on the grid."""
    positions = grid_positions(x, y, topology)
    delta = (positions[first] - positions[second]).abs()
    if pbc:
        periods = torch.tensor([x * (math.sqrt(3.0) / 2.0 if topology == "hexagonal" else 1.0),
                                float(y)], dtype=torch.float64)
        delta = torch.minimum(delta, periods - delta)
    return delta.norm(dim=1) <= ADJACENT


def quantization_error(data: torch.Tensor, codebook: torch.Tensor, name: str) -> float:
    """Mean distance of each sample to its nearest neuron."""
    return float(distances(data, codebook, name).min(dim=1).values.mean())


def topographic_error_bounds(data: torch.Tensor, codebook: torch.Tensor, name: str, x: int,
                             y: int, topology: str, pbc: bool,
                             tolerance: torch.Tensor | float) -> tuple[float, float]:
    """The range the topographic error must lie in, given rounding of ``tolerance``
    (distance units; one value, or one per sample).

    A sample whose three nearest distances are further apart than its tolerance counts
    as in the definition (its two best units touch or not); a sample with a closer call
    (a near-tie among its first three units) may count either way.
    """
    found = distances(data, codebook, name)
    k = min(3, found.shape[1])
    nearest = found.topk(k, dim=1, largest=False)
    wrong = ~adjacent(nearest.indices[:, 0], nearest.indices[:, 1], x, y, topology, pbc)
    gaps = nearest.values.diff(dim=1)
    limit = torch.as_tensor(tolerance, dtype=torch.float64).reshape(-1, 1)
    close_call = (gaps <= limit).any(dim=1)
    n = found.shape[0]
    certain = int((wrong & ~close_call).sum())
    return certain / n, (certain + int(close_call.sum())) / n


# Tolerances, relative to the data's scale (its largest magnitude; distances of the cosine
# metric are relative to 1). float32 rounds at 6e-8; what these fits measure stays within
# 1e-6 for the errors and BMUs and 3e-7 for the weights, so a real error (a wrong BMU, a
# lost feature, a drifting update) stands well above them.
DISTANCE_TOLERANCE = 1e-5
WEIGHT_TOLERANCE = 1e-5
#: a euclidean search ranks by ‖x‖² − 2 x·w + ‖w‖² (centred or not), whose rounding is a few
#: epsilons of the squared norms: squared distances closer than this many epsilons times
#: the largest squared norm are a tie to it
SEARCH_EPSILONS = 32


def _distance_scale(data: torch.Tensor, distance: str) -> float:
    if distance == "cosine":
        return 1.0
    return float(data.double().abs().max()) or 1.0


def search_tolerance(found: torch.Tensor, data: torch.Tensor, codebook: torch.Tensor,
                     name: str, dtype: torch.dtype) -> torch.Tensor:
    """Per sample, how much further than its nearest unit the unit a search in ``dtype``
    picks may be (distance units), given ``found``, the float64 distances (m, n).

    Other metrics are computed term by term: rounding only (and nothing below √tiny,
    where squared differences underflow). The euclidean search cannot
    order squared distances closer than its resolution (see :data:`SEARCH_EPSILONS`):
    near the sample (many neurons on top of it) that is up to √resolution.
    """
    best = found.min(dim=1).values
    # below √tiny the squares of differences underflow: no distance is resolved there
    floor = math.sqrt(torch.finfo(dtype).tiny)
    base = torch.full_like(best, max(DISTANCE_TOLERANCE * _distance_scale(data, name), floor))
    if name != "euclidean":
        return base
    radius_sq = max(float(data.double().pow(2).sum(1).max()),
                    float(codebook.double().pow(2).sum(1).max()))
    resolution = SEARCH_EPSILONS * torch.finfo(dtype).eps * radius_sq
    return base + (best * best + resolution).sqrt() - best


def check_map(som: Any, data: torch.Tensor) -> None:
    """The map's BMUs, QE and TE on ``data`` agree with the float64 references computed
    from its codebook, up to what its search can resolve (:func:`search_tolerance`)."""
    name = som.distance_fn_name
    codebook = som.weights.detach().reshape(-1, som.num_features)
    found = distances(data, codebook, name)
    best = found.min(dim=1).values
    tolerance = search_tolerance(found, data, codebook, name, som.weights.dtype)
    bmus = som.identify_bmus(data)
    chosen = found.gather(1, (bmus[:, 0] * som.y + bmus[:, 1])[:, None])[:, 0]
    excess = float((chosen - best - tolerance).max())
    assert excess <= 0, f"a BMU is {excess:.3g} further than the nearest unit allows"
    # the mean distance to a nearest unit, each up to its search tolerance
    qe, low = som.quantization_error(data), float(best.mean())
    high = float((best + tolerance).mean())
    assert low - float(tolerance.min()) <= qe <= high, f"QE {qe!r} outside [{low!r}, {high!r}]"
    if som.x * som.y > 1:
        low, high = topographic_error_bounds(data, codebook, name, som.x, som.y, som.topology,
                                             som.pbc, tolerance)
        # the map reports a float32 mean: its last bit is rounding
        te = som.topographic_error(data)
        assert low - 1e-6 <= te <= high + 1e-6, f"TE {te!r} outside [{low!r}, {high!r}]"


def check_fit(som: Any, data: torch.Tensor, settings: dict) -> None:
    """The same fit by a float64 map ends at the same codebook and the same QE history."""
    twin = type(som)(**settings).double()
    twin.initialize_weights(data.double(), mode=settings.get("initialization_mode", "random"))
    q64, _ = twin.fit(data.double(), verbose=False)
    scale = float(data.double().abs().max()) or 1.0
    deviation = float((som.weights.double() - twin.weights).abs().max())
    assert deviation <= WEIGHT_TOLERANCE * scale, f"weights {deviation:.3g} from float64"
    history = DISTANCE_TOLERANCE * 10 * _distance_scale(data, som.distance_fn_name)
    gaps = [abs(a - b) for a, b in zip(som.quantization_errors_, q64, strict=True)]
    assert max(gaps) <= history, f"QE history {max(gaps):.3g} from float64"
