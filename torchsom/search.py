"""Best-matching-unit search backends.

* :class:`TorchBruteForceSearch`: exact, chunked search on torch for every metric.
* :class:`FAISSSearch`: FAISS flat index (optional ``faiss`` extra) for euclidean and
  cosine metrics.
* :func:`create_search_strategy`: factory; ``"auto"`` picks the backend.

Every backend returns distances in the SOM's own metric and flat neuron indices.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

import torch

from torchsom._optional import is_available
from torchsom._registry import check_choice
from torchsom.functional.bmu import topk_bmus
from torchsom.functional.distances import cross_distance_for

__all__ = [
    "FAISS_AVAILABLE",
    "BMUSearchStrategy",
    "TorchBruteForceSearch",
    "FAISSSearch",
    "create_search_strategy",
    "SEARCH_BACKENDS",
]

FAISS_AVAILABLE = is_available("faiss")
faiss = None  # imported lazily by FAISSSearch

SEARCH_BACKENDS = ("auto", "torch", "faiss")


class BMUSearchStrategy(abc.ABC):
    """Interface of a BMU search backend."""

    name = "abstract"

    @abc.abstractmethod
    def search(
        self, data: torch.Tensor, weights: torch.Tensor, k: int = 1
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(distances, indices)``, each of shape (n_samples, k).

        ``data`` has shape (n_samples, F) and ``weights`` (x, y, F); indices are flat.
        """

    def rebuild_index(self, weights: torch.Tensor) -> None:  # noqa: B027 - optional hook
        """Refresh any index built from ``weights`` (no-op for exact search)."""


class TorchBruteForceSearch(BMUSearchStrategy):
    """Exact chunked search with the SOM's distance function.

    Parameters
    ----------
    distance_fn : callable
        Registry distance ``(b, F) × (x, y, F) → (b, x, y)`` or a user callable of the
        same form.
    """

    name = "torch"

    def __init__(self, distance_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]):
        self.distance_fn = distance_fn
        self._cross = cross_distance_for(distance_fn)

    def search(
        self, data: torch.Tensor, weights: torch.Tensor, k: int = 1
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Exact top-``k`` search; see :class:`BMUSearchStrategy`."""
        codebook = weights.reshape(-1, weights.shape[-1])
        return topk_bmus(data, codebook, self._cross, k=k)


class FAISSSearch(BMUSearchStrategy):  # pragma: no cover - replaced by the maps issue
    """FAISS flat-index search (placeholder until the FAISS backend lands)."""

    name = "faiss"

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'The FAISS BMU search backend needs faiss: pip install "torchsom[faiss]"'
        )

    def search(self, data, weights, k=1):
        raise NotImplementedError


def create_search_strategy(
    backend: str,
    distance_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    distance_fn_name: str,
    n_neurons: int,
    device: str = "cpu",
    faiss_index_type: str = "flat",
    faiss_nprobe: int = 8,
) -> BMUSearchStrategy:
    """Create the BMU search backend named by ``backend``.

    ``"auto"`` uses exact torch search (FAISS selection lands with the FAISS backend).
    """
    check_choice("search_backend", backend, SEARCH_BACKENDS)
    if backend == "faiss":
        return FAISSSearch(distance_fn, distance_fn_name, device=device)
    return TorchBruteForceSearch(distance_fn)
