"""Kernels for data with missing values (NaN): the masked score, update and search.

A sample ``x`` with observed features ``m`` (1 where observed, 0 where NaN) and
``x̃ = m ⊙ (x − c)`` (missing entries set to 0) is compared with a neuron ``w`` on its
observed features only:

``d²(x, w) = F / F_obs · Σ_f m_f (x_f − w_f)²``,

rescaled by the observed fraction (``F_obs = Σ_f m_f``), so distances of rows with
different numbers of holes stay comparable. The rescaling is the same for every neuron,
so the ranking uses the unscaled sum, which expands into one product:

``Σ_f m_f (x_f − w_f)² = ‖x̃‖² + [−2 x̃ | m] · [w − c | (w − c)²]``.

Updates move observed features only: for a neighbourhood weight ``h``,
``w_f ← w_f + h · m_f · (x_f − w_f)``. Over a batch, with rows ``H`` (b, n), that is
``Wᵀ ← Wᵀ ⊙ (1 − Mᵀ H) + X̃ᵀ H``: one product of ``[x̃ | m]ᵀ`` with ``H``.

Every function here accepts numpy arrays or torch tensors where it says so, like
:mod:`torchsom.functional.update`; the staging and the search are torch.
"""

from __future__ import annotations

import numpy as np
import torch

from torchsom.functional.bmu import chunk_size_for, reference_point, smallest

__all__ = [
    "observed_mean",
    "fill_with_mean",
    "masked_stage",
    "masked_sample_terms",
    "masked_scores",
    "refresh_squares",
    "masked_minibatch_update",
    "masked_distances",
    "masked_topk_bmus",
]


def observed_mean(points: torch.Tensor) -> torch.Tensor:
    """Per-feature mean over the observed (non-NaN) entries, accumulated in float64 (F,).

    A feature with no observed entry gets 0.
    """
    observed = ~torch.isnan(points)
    total = torch.where(observed, points, 0.0).double().sum(dim=0)
    counts = observed.sum(dim=0).clamp_min(1)
    return (total / counts).to(points.dtype)


def fill_with_mean(points: torch.Tensor) -> torch.Tensor:
    """A copy of ``points`` (m, F) with each NaN replaced by its feature's observed mean."""
    return torch.where(torch.isnan(points), observed_mean(points), points)


def masked_stage(samples: torch.Tensor, center: torch.Tensor, factor: float = 1.0,
                 ) -> torch.Tensor:
    """``[f·x̃ | f·m]`` (m, 2F) with ``x̃ = m ⊙ (x − c)`` (see the module notes).

    Parameters
    ----------
    samples : torch.Tensor
        Shape (m, F), NaN where missing.
    center : torch.Tensor
        Shape (F,).
    factor : float
        ``f``: −2 for the training rules' staged batches, 1 for the plain form.
    """
    observed = ~torch.isnan(samples)
    features = samples.shape[1]
    staged = samples.new_empty(samples.shape[0], 2 * features)
    staged[:, :features] = torch.where(observed, samples - center, 0.0)
    staged[:, features:] = observed
    if factor != 1.0:
        staged *= factor
    return staged


def masked_sample_terms(samples: torch.Tensor, center: torch.Tensor) -> torch.Tensor:
    """``[‖x̃‖², F / F_obs]`` per sample (m, 2): the terms a distance adds and scales by."""
    observed = ~torch.isnan(samples)
    shifted = torch.where(observed, samples - center, 0.0)
    terms = samples.new_empty(samples.shape[0], 2)
    terms[:, 0] = torch.linalg.vecdot(shifted, shifted)
    terms[:, 1] = samples.shape[1] / observed.sum(dim=1).clamp_min(1).to(samples.dtype)
    return terms


def masked_scores(staged, stack, out):
    """Ranking scores ``out = staged @ stack`` (b, n), numpy or torch alike.

    ``staged`` is ``[−2 x̃ | −2 m]`` (b, 2F) and ``stack`` is
    ``[(W − c)ᵀ ; −(W − c)ᵀ² / 2]`` (2F, n) (see :func:`refresh_squares`), so ``out`` is
    ``Σ_f m_f ((w_f − c_f)² − 2 x̃_f (w_f − c_f))``.
    """
    (np if isinstance(out, np.ndarray) else torch).matmul(staged, stack, out=out)
    return out


def refresh_squares(stack, factor: float = -2.0) -> None:
    """Set the lower half of ``stack`` (2F, n) to the upper half squared, divided by
    ``factor`` (numpy or torch, in place)."""
    features = stack.shape[0] // 2
    top, bottom = stack[:features], stack[features:]
    (np if isinstance(stack, np.ndarray) else torch).multiply(top, top, out=bottom)
    bottom *= 1.0 / factor


def masked_minibatch_update(codebook_t, staged, rows, update) -> None:
    """One masked mini-batch step, in place (numpy or torch).

    Parameters
    ----------
    codebook_t : numpy.ndarray or torch.Tensor
        Shape (F, n): the transposed, centred codebook.
    staged : numpy.ndarray or torch.Tensor
        Shape (b, 2F): ``[f·x̃ | f·m]``.
    rows : numpy.ndarray or torch.Tensor
        Shape (b, n): neighbourhood rows scaled by ``lr / (b·f)``.
    update : numpy.ndarray or torch.Tensor
        Shape (2F, n): scratch, receives ``[Σ H x̃ ; Σ H m] · lr / b``.
    """
    features = codebook_t.shape[0]
    (np if isinstance(codebook_t, np.ndarray) else torch).matmul(staged.T, rows, out=update)
    keep = update[features:]
    keep *= -1.0
    keep += 1.0
    codebook_t *= keep
    codebook_t += update[:features]


def masked_distances(best_value, terms):
    """Distances ``√((score + ‖x̃‖²) · F / F_obs)`` from ranking values (m,) and
    :func:`masked_sample_terms` (m, 2); overwrites and returns ``best_value``."""
    best_value += terms[:, 0]
    best_value *= terms[:, 1]
    if isinstance(best_value, np.ndarray):
        np.maximum(best_value, 0.0, out=best_value)
        return np.sqrt(best_value, out=best_value)
    return best_value.clamp_(min=0.0).sqrt_()


def masked_topk_bmus(data: torch.Tensor, codebook: torch.Tensor, k: int = 1,
                     chunk_size: int | None = None, prefer_numpy: bool = True,
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` nearest neurons of every sample over its observed features, in chunks.

    Parameters
    ----------
    data : torch.Tensor
        Shape (n_samples, F), NaN where missing; every row has an observed feature.
    codebook : torch.Tensor
        Shape (n_neurons, F), finite.
    k : int
        Number of neighbours, ``1 <= k <= n_neurons``.
    chunk_size : int, optional
        Samples per chunk (see :func:`~torchsom.functional.bmu.chunk_size_for`).
    prefer_numpy : bool
        Rank through numpy on the CPU (see :func:`~torchsom.functional.bmu.smallest`).

    Returns
    -------
    distances : torch.Tensor
        Shape (n_samples, k), ascending, rescaled by ``F / F_obs``; the best one is
        recomputed from the difference vector.
    indices : torch.Tensor
        Shape (n_samples, k), int64; ties go to the lowest index for ``k <= 2``.
    """
    n, features = data.shape
    step = chunk_size or chunk_size_for(codebook.shape[0])
    center = reference_point(codebook)
    shifted = codebook - center
    stack = torch.cat((shifted.T, shifted.T * shifted.T * -0.5), dim=0)  # (2F, n_neurons)
    scratch = data.new_empty(min(step, n), codebook.shape[0])
    dist_out = torch.empty(n, k, dtype=data.dtype, device=data.device)
    idx_out = torch.empty(n, k, dtype=torch.long, device=data.device)
    for start in range(0, n, step):
        block = data[start : start + step]
        staged = masked_stage(block, center, -2.0)
        scores = masked_scores(staged, stack, scratch[: block.shape[0]])
        dist, idx = smallest(scores, k, prefer_numpy)
        terms = masked_sample_terms(block, center)
        dist = (dist + terms[:, :1]).clamp_(min=0.0) * terms[:, 1:]
        observed = ~torch.isnan(block)
        diff = torch.where(observed, block - codebook[idx[:, 0]], 0.0)
        dist[:, 0] = torch.linalg.vecdot(diff, diff) * terms[:, 1]
        dist_out[start : start + step] = dist.sqrt_()
        idx_out[start : start + step] = idx
    return dist_out, idx_out
