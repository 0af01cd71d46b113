"""The training engine (private): one driver, one object per training rule, two array
backends, and the thread policy.

* :mod:`~torchsom._engine.driver`: :func:`train_epochs`, the single path of every fit;
  :mod:`~torchsom._engine.run`: :class:`Run`, a training run fed chunk by chunk
  (``partial_fit`` keeps one); :mod:`~torchsom._engine.plan`: :class:`FitPlan`,
  :class:`FitControl` and :func:`build_rule` (which rule and backend a plan gets).
* :mod:`~torchsom._engine.rules`: :class:`MinibatchRule` and :class:`BatchRule`, each with
  the contract ``stage`` / ``begin`` / ``step`` / ``distances`` / ``end``.
* :mod:`~torchsom._engine.sources`: in-memory arrays, memmaps, DataLoaders and iterables,
  read chunk by chunk.
* :mod:`~torchsom._engine.tally`: per-epoch QE and TE, whole or chunk by chunk.
* :mod:`~torchsom._engine.checkpoint`: what a checkpoint holds and when it is written.
* :mod:`~torchsom._engine.distributed`: data-parallel training over ``torch.distributed``.
* :mod:`~torchsom._engine.online`: :class:`OnlineRule`, one sample per step, with its
  per-step tables in :mod:`~torchsom._engine.step_tables` and its loop compiled by
  :mod:`~torchsom._engine.online_jit` when numba is installed.
* :mod:`~torchsom._engine.masked`: the three rules on data with missing values (NaN);
  :mod:`~torchsom._engine.variants` builds them and the online rule.
* :mod:`~torchsom._engine.ops`: the numpy (CPU) and torch (any device) array backends.
* :mod:`~torchsom._engine.selection`: backend and thread count, chosen once per fit from
  measurements on the machine at hand.
* :mod:`~torchsom._engine.threads`: numpy's BLAS thread count.

The stateless arithmetic (the ranking score, the update, the neighbourhood tables) lives
in :mod:`torchsom.functional`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from torchsom._engine.driver import FitPlan, build_rule, train_epochs
from torchsom._engine.threads import blas_threads
from torchsom.functional.bmu import topk_bmus
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.masked import masked_topk_bmus

__all__ = ["FitPlan", "build_rule", "train_epochs", "search_bmus"]


def search_bmus(data: torch.Tensor, codebook: torch.Tensor,
                cross_distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                k: int = 1, exact: bool = True,
                prefer_numpy: bool = True,
                missing: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`~torchsom.functional.bmu.topk_bmus` with numpy's BLAS on torch's thread count.

    With ``missing``, data holding NaN is searched on its observed features
    (:func:`~torchsom.functional.masked.masked_topk_bmus`; euclidean distance only).

    Returns
    -------
    distances, indices : torch.Tensor
        Shape (n_samples, k) each.
    """
    with blas_threads(torch.get_num_threads()):
        if missing and bool(torch.isnan(data).any()):
            if cross_distance is not euclidean_cross:
                raise ValueError("data with missing values (NaN) can only be searched with "
                                 "the euclidean distance.")
            return masked_topk_bmus(data, codebook, k=k, prefer_numpy=prefer_numpy)
        return topk_bmus(data, codebook, cross_distance, k=k, exact=exact,
                         prefer_numpy=prefer_numpy)
