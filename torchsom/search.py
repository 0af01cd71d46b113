"""Best-matching-unit search backends.

* :class:`TorchBruteForceSearch`: exact, chunked top-``k`` search on torch, for every
  distance (registry names and user callables).
* :class:`FAISSSearch`: exact FAISS flat index (optional ``faiss`` extra) for the
  euclidean, cosine, manhattan and chebyshev distances; an approximate IVF index on
  request. It re-indexes by itself whenever the codebook changes.
* :func:`create_search_strategy`: factory; ``"auto"`` picks the backend.

Every backend returns distances in the SOM's own metric (euclidean distances, not squared
ones; cosine as ``1 - cos``), ascending, and flat neuron indices ``row * y + col``.

Guarantees shared by every backend:

* an index is always a neuron of the map (``0 <= index < n_neurons``), never ``-1``;
* a codebook that holds NaN or inf raises a ``ValueError`` that counts the bad values
  (no unit can be "best" then), instead of an arbitrary or invalid index;
* a search runs at the precision of the map: FAISS computes in float32, so it serves
  float16, bfloat16 and float32 maps only, and a float64 map (or float64 queries) is
  searched by the exact torch search even when the FAISS backend was chosen.

The module globals :data:`FAISS_AVAILABLE` and :data:`faiss` are read when a backend is
created, so tests (and users) can patch them.

Why one module of this size: it holds one idea, the BMU search behind one interface, and
most of it is the FAISS backend (index building, precision rules, re-indexing, pickling).
The factory's ``"auto"`` choice and the two patchable globals above tie the backends
together; moving the FAISS backend to a module of its own would make patching this
module's globals stop affecting it.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import torch

from torchsom._engine import search_bmus
from torchsom._optional import import_optional, is_available
from torchsom._registry import check_choice
from torchsom._validation import check_int
from torchsom.functional.bmu import reference_point
from torchsom.functional.distances import DISTANCE_FUNCTIONS, cross_distance_for

__all__ = [
    "FAISS_AVAILABLE",
    "BMUSearchStrategy",
    "TorchBruteForceSearch",
    "FAISSSearch",
    "check_codebook",
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
_IVF_POINTS_PER_CELL = 39  # FAISS's own minimum of training points per IVF cell
# "auto" picks FAISS for these metrics up to this many features, on the CPU only; see
# create_search_strategy for the measurements behind it
_AUTO_FAISS_METRICS = ("euclidean",)
_AUTO_FAISS_MAX_FEATURES = 32


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


def check_codebook(weights: torch.Tensor) -> None:
    """Raise a ``ValueError`` if the codebook ``weights`` (..., F) holds NaN or inf values.

    Costs one pass over the codebook, small next to a search.
    """
    finite = torch.isfinite(weights)
    if bool(finite.all()):
        return
    n_bad = int((~finite).sum())
    raise ValueError(
        f"the map's weights contain {n_bad} NaN or inf value(s) (of {weights.numel()}), so "
        "no best-matching unit can be found; re-initialise them (initialize_weights), "
        "retrain, or load valid weights."
    )


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
        check_codebook(codebook)
        return search_bmus(data, codebook, self._cross, k=k)

    def __getstate__(self) -> dict[str, Any]:
        return _portable(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(_restored(state))


def _portable(state: dict[str, Any]) -> dict[str, Any]:
    """Copy of a strategy's state with registry functions replaced by their names.

    Registry distances are generated closures that pickle cannot find by name.
    """
    out = dict(state)
    fn = out.get("distance_fn")
    names = [name for name, entry in DISTANCE_FUNCTIONS.items() if entry is fn]
    if names:
        out["distance_fn"] = _RegistryName(names[0])
        if "_cross" in out:
            out["_cross"] = None
    return out


def _restored(state: dict[str, Any]) -> dict[str, Any]:
    out = dict(state)
    if isinstance(out.get("distance_fn"), _RegistryName):
        out["distance_fn"] = DISTANCE_FUNCTIONS[out["distance_fn"].name]
        if "_cross" in out:
            out["_cross"] = cross_distance_for(out["distance_fn"])
    return out


class _RegistryName:
    """Placeholder for a registry distance function inside a pickled strategy."""

    def __init__(self, name: str) -> None:
        self.name = name


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
        approximate: ``nlist = min(sqrt(n), n // 39)`` cells, ``nprobe`` of them visited.
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
        self._exact = TorchBruteForceSearch(distance_fn)  # float64 maps and missed rows
        self._index: Any = None
        self._quantizer: Any = None
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
        # distances other than cosine do not change under translation: index the codebook
        # about its mean (queries move by the same point), so data far from the origin is
        # ranked as precisely as centred data
        self._center = (reference_point(codebook) if self.metric != "cosine"
                        else codebook.new_zeros(codebook.shape[1]))
        vectors = self._prepare(codebook - self._center).numpy()
        n, dim = vectors.shape
        metric = {
            "euclidean": fa.METRIC_L2, "cosine": fa.METRIC_INNER_PRODUCT,
            "manhattan": fa.METRIC_L1, "chebyshev": fa.METRIC_Linf,
        }[self.metric]
        if (self.index_type == "ivf" and n >= _IVF_MIN_NEURONS
                and self.metric in ("euclidean", "cosine")):
            nlist = max(1, min(int(n ** 0.5), n // _IVF_POINTS_PER_CELL))
            self._quantizer = fa.IndexFlat(dim, metric)  # must outlive the index
            index = fa.IndexIVFFlat(self._quantizer, dim, nlist, metric)
            index.train(vectors)
            index.nprobe = min(self.nprobe, nlist)
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
        if torch.float64 in (weights.dtype, data.dtype):
            return self._exact.search(data, weights, k)  # FAISS would search in float32
        n_neurons = weights.numel() // weights.shape[-1]
        _check_k(k, n_neurons)
        check_codebook(weights)
        self._ensure_index(weights)
        queries = data.detach().to(device="cpu", dtype=torch.float32) - self._center
        raw, idx = self._index.search(self._prepare(queries).numpy(), k)
        dist = torch.from_numpy(raw)
        if self.metric == "euclidean":
            dist = dist.clamp_min(0).sqrt()
        elif self.metric == "cosine":
            dist = 1.0 - dist
        indices = torch.from_numpy(idx).to(torch.long).to(data.device)
        if self.metric == "euclidean":
            # exact distances of the chosen units (FAISS's ‖x‖² + ‖w‖² − 2x·w loses digits)
            codebook = weights.detach().reshape(-1, weights.shape[-1]).to(data)
            dist = (data.unsqueeze(1) - codebook[indices.clamp_min(0)]).norm(dim=-1)
        dist = dist.to(device=data.device, dtype=data.dtype)
        missed = (indices < 0).any(dim=1).nonzero().squeeze(1)
        if missed.numel():  # FAISS found no unit for these rows: search them exactly
            dist[missed], indices[missed] = self._exact.search(data[missed], weights, k)
        return dist, indices

    def __getstate__(self) -> dict[str, Any]:
        state = _portable(self.__dict__)  # the index is rebuilt on the first search
        state.update(_faiss=None, _index=None, _indexed=None, _quantizer=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(_restored(state))
        if "_exact" not in self.__dict__:  # pickled before the exact fall-back existed
            self._exact = TorchBruteForceSearch(self.distance_fn)
        self._faiss = _load_faiss()


def _auto_uses_faiss(distance_fn: Callable[..., Any], distance_fn_name: str,
                     num_features: int | None, device: str) -> bool:
    if not FAISS_AVAILABLE or num_features is None:
        return False
    native = (distance_fn_name in _AUTO_FAISS_METRICS
              and DISTANCE_FUNCTIONS.get(distance_fn_name) is distance_fn)
    on_cpu = str(device).split(":")[0] == "cpu"
    return native and on_cpu and num_features <= _AUTO_FAISS_MAX_FEATURES


def create_search_strategy(
    backend: str,
    distance_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    distance_fn_name: str,
    n_neurons: int,
    device: str = "cpu",
    faiss_index_type: str = "flat",
    faiss_nprobe: int = 8,
    num_features: int | None = None,
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
    num_features : int, optional
        Dimension of the codebook; ``"auto"`` needs it to consider FAISS.

    Returns
    -------
    BMUSearchStrategy
        Its ``name`` says which backend was chosen.

    Notes
    -----
    ``"auto"`` picks FAISS only where it measured faster: faiss installed, SOM on the
    CPU, the registry ``euclidean`` distance and ``num_features <= 32``. Everywhere else it
    picks torch (on a GPU torch searches on the device, while faiss-cpu would copy every
    batch to the host). ``SOM.search_backend_`` records the choice.

    Measured on the project's 2-core CPU (torch 2.13 CPU, faiss-cpu 1.15.1, a machine
    shared with other jobs, best of 7 to 9 runs, ``FAISSSearch`` vs
    ``TorchBruteForceSearch`` on random codebooks and queries)::

        import time, torch
        from torchsom.search import TorchBruteForceSearch, FAISSSearch
        from torchsom.functional.distances import DISTANCE_FUNCTIONS as D
        w, x = torch.randn(400, 1, 16), torch.randn(65536, 16)  # neurons, F, batch
        for s in (TorchBruteForceSearch(D["euclidean"]), FAISSSearch(D["euclidean"],
                                                                     "euclidean")):
            t = [time.perf_counter(), s.search(x, w), time.perf_counter()]
            print(s.name, t[2] - t[0])

    Euclidean, batches of 65 536 queries (torch ms / FAISS ms): F=4: 112/4.8 (400
    neurons), 1079/35 (2 500), 3222/102 (10 000); F=16: 80/16, 782/57, 2479/118; F=32:
    1616/336 (400, heavier load); F=64: 113/277, 1410/810, 1475/2379, i.e. no winner.
    Batches of 1 024 queries differ by less than 2x either way (about a millisecond).
    Cosine: FAISS between 0.4x and 1.4x of torch's time, no consistent winner, so
    torch. Manhattan/chebyshev: FAISS is often faster but not for few features (F=4 at
    2 500-10 000 neurons it was 1.1-1.3x slower), so torch.
    """
    check_choice("search_backend", backend, SEARCH_BACKENDS)
    if backend == "faiss":
        return FAISSSearch(distance_fn, distance_fn_name, device=device,
                           index_type=faiss_index_type, nprobe=faiss_nprobe)
    if backend == "auto" and _auto_uses_faiss(distance_fn, distance_fn_name, num_features,
                                              device):
        return FAISSSearch(distance_fn, distance_fn_name, device=device)
    return TorchBruteForceSearch(distance_fn)
