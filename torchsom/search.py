"""Best-matching-unit search backends.

* :class:`TorchBruteForceSearch`: exact, chunked top-``k`` search on torch, for every
  distance (registry names and user callables).
* :class:`FAISSSearch`: exact FAISS flat index (optional ``faiss`` extra) for the
  euclidean, cosine, manhattan and chebyshev distances; an approximate IVF index on
  request. It re-indexes by itself whenever the codebook changes.
* :func:`create_search_strategy`: factory; ``"auto"`` picks the backend.

Every backend returns distances in the SOM's own metric (euclidean distances, not squared
ones; cosine as ``1 - cos``), ascending, and flat neuron indices ``row * y + col``.

The module globals :data:`FAISS_AVAILABLE` and :data:`faiss` are read when a backend is
created, so tests (and users) can patch them.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import torch

from torchsom._optional import import_optional, is_available
from torchsom._registry import check_choice
from torchsom._validation import check_int
from torchsom.functional.bmu import topk_bmus
from torchsom.functional.distances import DISTANCE_FUNCTIONS, cross_distance_for

__all__ = [
    "FAISS_AVAILABLE",
    "BMUSearchStrategy",
    "TorchBruteForceSearch",
    "FAISSSearch",
    "create_search_strategy",
    "SEARCH_BACKENDS",
    "FAISS_INDEX_TYPES",
]

#: whether the ``faiss`` package can be imported (checked without importing it)
FAISS_AVAILABLE = is_available("faiss")
#: the imported ``faiss`` module, set on first use by :class:`FAISSSearch`
faiss: Any = None

SEARCH_BACKENDS = ("auto", "torch", "faiss")
FAISS_INDEX_TYPES = ("flat", "ivf")

_FAISS_INSTALL = 'pip install "torchsom[faiss]"'
# IVF needs enough vectors to train its coarse quantiser
_IVF_MIN_NEURONS = 256
# "auto" picks FAISS at or above this many neurons; see create_search_strategy
_AUTO_FAISS_MIN_NEURONS: int | None = None


class BMUSearchStrategy(abc.ABC):
    """Interface of a BMU search backend.

    Attributes
    ----------
    name : str
        Short backend name (``"torch"``, ``"faiss"``), recorded by the SOM in
        ``search_backend_``.
    """

    name = "abstract"

    @abc.abstractmethod
    def search(
        self, data: torch.Tensor, weights: torch.Tensor, k: int = 1
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(distances, indices)``, each of shape (n_samples, k).

        ``data`` has shape (n_samples, F) and ``weights`` (x, y, F); indices are flat
        int64 and distances ascend along each row.
        """

    def rebuild_index(self, weights: torch.Tensor) -> None:  # noqa: B027 - optional hook
        """Tell the backend that ``weights`` changed (no-op for exact torch search)."""


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
        _check_k(k, codebook.shape[0])
        return topk_bmus(data, codebook, self._cross, k=k)


def _check_k(k: int, n_neurons: int) -> None:
    check_int("k", k, 1)
    if k > n_neurons:
        raise ValueError(f"k must be <= the number of neurons ({n_neurons}); got k={k}.")


def _load_faiss() -> Any:
    """The faiss module, or an ImportError that says how to install it."""
    global faiss
    if not FAISS_AVAILABLE:
        raise ImportError(
            "faiss is required for the FAISS BMU search backend (search_backend='faiss') "
            f"but is not installed. Install it with: {_FAISS_INSTALL}, or use "
            "search_backend='torch'."
        )
    if faiss is None:
        faiss = import_optional("faiss", "The FAISS BMU search backend")
    return faiss


class FAISSSearch(BMUSearchStrategy):
    """BMU search on a FAISS index (needs the optional ``faiss`` extra).

    The index is built from the codebook on the first search and rebuilt whenever the
    codebook differs from the one indexed, however it changed (``initialize_weights``,
    ``fit``, ``load_state_dict``, in-place edits of ``weights.data`` or assigning a new
    ``weights``): every search compares the current codebook with a copy of the indexed
    one, which costs O(n_neurons · F), small next to the search itself.

    Distances are returned in the SOM's units: euclidean distances (FAISS's squared
    values are square-rooted), ``1 - cos`` for cosine (inner product of normalised
    vectors), L1 and L∞ as they are. A distance without a FAISS metric (a user callable)
    is searched with :class:`TorchBruteForceSearch`. The index lives on the CPU; queries
    are copied there and results come back on the query's device.

    Parameters
    ----------
    distance_fn : callable
        The SOM's distance function.
    distance_fn_name : str
        Its name (``euclidean``, ``cosine``, ``manhattan``, ``chebyshev`` use FAISS).
    device : str, default="cpu"
        Device of the SOM (results are returned on the query's device).
    index_type : {"flat", "ivf"}, default="flat"
        ``flat`` is exact. ``ivf`` (euclidean and cosine only, at least 256 neurons) is
        approximate: ``nlist = min(sqrt(n), n // 4)`` cells, ``nprobe`` of them visited.
    nprobe : int, default=8
        IVF cells visited per query.

    Raises
    ------
    ImportError
        If faiss is not installed; the message gives ``pip install "torchsom[faiss]"``.
    """

    name = "faiss"

    _METRICS: tuple[str, ...] = ("euclidean", "cosine", "manhattan", "chebyshev")

    def __init__(
        self,
        distance_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        distance_fn_name: str,
        device: str = "cpu",
        index_type: str = "flat",
        nprobe: int = 8,
    ) -> None:
        self._faiss = _load_faiss()
        check_choice("index_type", index_type, FAISS_INDEX_TYPES)
        self.nprobe = check_int("nprobe", nprobe, 1)
        self.distance_fn, self.distance_fn_name = distance_fn, distance_fn_name
        self.device, self.index_type = device, index_type
        native = (distance_fn_name in self._METRICS
                  and DISTANCE_FUNCTIONS.get(distance_fn_name) is distance_fn)
        self.metric = distance_fn_name if native else None
        self._fallback = None if native else TorchBruteForceSearch(distance_fn)
        self._index: Any = None
        self._indexed: torch.Tensor | None = None

    # ------------------------------------------------------------------ index
    def rebuild_index(self, weights: torch.Tensor) -> None:
        """Drop the index; the next search indexes ``weights`` afresh."""
        self._index, self._indexed = None, None

    def _prepare(self, rows: torch.Tensor) -> torch.Tensor:
        rows = rows.detach().to(device="cpu", dtype=torch.float32)
        if self.metric == "cosine":
            rows = rows / rows.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return rows.contiguous()

    def _ensure_index(self, weights: torch.Tensor) -> None:
        codebook = weights.detach().reshape(-1, weights.shape[-1]).to(
            device="cpu", dtype=torch.float32)
        if (
            self._index is not None
            and self._indexed is not None
            and self._indexed.shape == codebook.shape
            and torch.equal(self._indexed, codebook)
        ):
            return
        fa = self._faiss
        vectors = self._prepare(codebook).numpy()
        n, dim = vectors.shape
        metric = {
            "euclidean": fa.METRIC_L2, "cosine": fa.METRIC_INNER_PRODUCT,
            "manhattan": fa.METRIC_L1, "chebyshev": fa.METRIC_Linf,
        }[self.metric]
        if (self.index_type == "ivf" and n >= _IVF_MIN_NEURONS
                and self.metric in ("euclidean", "cosine")):
            nlist = max(1, min(int(n ** 0.5), n // 4))
            quantizer = fa.IndexFlat(dim, metric)
            index = fa.IndexIVFFlat(quantizer, dim, nlist, metric)
            index.train(vectors)
            index.nprobe = min(self.nprobe, nlist)
            index._quantizer = quantizer  # keep it alive as long as the index
        else:
            index = fa.IndexFlat(dim, metric)
        index.add(vectors)
        self._index, self._indexed = index, codebook.clone()

    # ------------------------------------------------------------------ search
    def search(
        self, data: torch.Tensor, weights: torch.Tensor, k: int = 1
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Top-``k`` search on the (refreshed) index; see :class:`BMUSearchStrategy`."""
        if self._fallback is not None:
            return self._fallback.search(data, weights, k)
        n_neurons = weights.numel() // weights.shape[-1]
        _check_k(k, n_neurons)
        self._ensure_index(weights)
        raw, idx = self._index.search(self._prepare(data).numpy(), k)
        dist = torch.from_numpy(raw)
        if self.metric == "euclidean":
            dist = dist.clamp_min(0).sqrt()
        elif self.metric == "cosine":
            dist = 1.0 - dist
        indices = torch.from_numpy(idx).to(torch.long)
        return dist.to(device=data.device, dtype=data.dtype), indices.to(data.device)


def _auto_uses_faiss(distance_fn: Callable[..., Any], distance_fn_name: str,
                     n_neurons: int) -> bool:
    if _AUTO_FAISS_MIN_NEURONS is None or not FAISS_AVAILABLE:
        return False
    native = (distance_fn_name in FAISSSearch._METRICS
              and DISTANCE_FUNCTIONS.get(distance_fn_name) is distance_fn)
    return native and n_neurons >= _AUTO_FAISS_MIN_NEURONS


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

    Parameters
    ----------
    backend : {"auto", "torch", "faiss"}
        ``torch``: exact torch search. ``faiss``: :class:`FAISSSearch` (ImportError
        naming ``pip install "torchsom[faiss]"`` when faiss is missing). ``auto``: the
        backend measured to be faster for this setting, see below.
    distance_fn : callable
        The SOM's distance function.
    distance_fn_name : str
        Its name.
    n_neurons : int
        Size of the map.
    device : str, default="cpu"
        Device of the SOM.
    faiss_index_type : {"flat", "ivf"}, default="flat"
        Index of the FAISS backend.
    faiss_nprobe : int, default=8
        IVF cells visited per query.

    Returns
    -------
    BMUSearchStrategy
        Its ``name`` says which backend was chosen.

    Notes
    -----
    ``"auto"`` chooses torch everywhere at present. Exact FAISS search was never faster
    than the torch backend on the CPU we measured (2 cores, faiss-cpu 1.15.1, torch
    2.13 CPU), measured with ``python benchmarks/search_backends.py`` for maps of 100 to
    10 000 neurons, 4 to 64 features and batches of 1 024 to 65 536 samples: the two
    are within a few percent of each other (both are one BLAS product per chunk), with
    FAISS slower on small batches. On a GPU, torch search runs on the device while faiss-cpu
    would copy every batch to the host. Ask for ``"faiss"`` explicitly to use it.
    """
    check_choice("search_backend", backend, SEARCH_BACKENDS)
    if backend == "faiss":
        return FAISSSearch(distance_fn, distance_fn_name, device=device,
                           index_type=faiss_index_type, nprobe=faiss_nprobe)
    if backend == "auto" and _auto_uses_faiss(distance_fn, distance_fn_name, n_neurons):
        return FAISSSearch(distance_fn, distance_fn_name, device=device,  # pragma: no cover
                           index_type=faiss_index_type, nprobe=faiss_nprobe)
    return TorchBruteForceSearch(distance_fn)
