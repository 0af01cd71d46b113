"""The self-organizing map: an ``nn.Module`` holding the codebook and the training loop.

Public methods validate their input once and delegate the arithmetic to
:mod:`torchsom.functional` and the training to :mod:`torchsom._engine`; maps
(:mod:`torchsom.core.maps`), retrieval (:mod:`torchsom.core.retrieval`), evaluation,
clustering and saving (:mod:`torchsom.core.persistence`) live in their own modules.

Why one module of this size: it holds the one public class, whose methods (the API users
know, from construction and ``fit`` to maps, retrieval, clustering and saving) are front
doors of a few lines each: check the input, delegate. Most of its length is their
documentation (the parameters, the training rules). :class:`SOMInternals`, the internal
surface the library's other modules use instead of the map's private attributes, is here
because this is the only module that reads them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from torchsom._compat import som_methods
from torchsom._engine import FitPlan, search_bmus, train_epochs
from torchsom._engine.step_tables import per_step_schedule
from torchsom._registry import check_choice
from torchsom._validation import as_data, check_int, resolve_device
from torchsom.core import evaluation, persistence, retrieval, scaling
from torchsom.core.base_som import BaseSOM
from torchsom.core.maps import dispatch
from torchsom.core.parameters import (
    DEFAULTS,
    INITIALIZATION_MODES,
    SOM_PARAMETERS,
    check_parameter,
    validate_parameters,
    validate_settings,
)
from torchsom.core.protocol import EstimatorProtocol
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.decay import DECAY_FUNCTIONS
from torchsom.functional.distances import DISTANCE_FUNCTIONS, cross_distance_for
from torchsom.functional.initialization import pca_init, random_init, unit_random_codebook
from torchsom.functional.masked import fill_with_mean
from torchsom.functional.metrics import (
    EpochErrors,
    quantization_error_from_bmus,
    topographic_error_from_bmus,
)
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS
from torchsom.functional.smoothing import GridIndex
from torchsom.search import create_search_strategy
from torchsom.topology.coordinates import (
    adjacency_threshold,
    grid_distance_sq,
    grid_periods,
    grid_positions,
)
from torchsom.topology.neighbors import get_all_neighbors_up_to_order, largest_useful_order

__all__ = ["SOM"]


def _function_name(value: str | Callable[..., Any]) -> str:
    return value if isinstance(value, str) else getattr(value, "__name__", type(value).__name__)


class SOM(EstimatorProtocol, BaseSOM):
    """Self-organizing map on a rectangular or hexagonal grid.

    The parameters' defaults and rules come from one table,
    :data:`torchsom.core.parameters.SOM_PARAMETERS` (listed in ``docs/parameters.md``).

    Parameters
    ----------
    x, y : int
        Number of grid rows and columns (each >= 1).
    num_features : int
        Dimension of the input vectors.
    epochs : int, default=10
        Passes over the data made by :meth:`fit`.
    batch_size : int, default=5
        Samples per update of the mini-batch rule (ignored by the batch rule).
    sigma : float, default=1.0
        Initial neighbourhood width, in grid units.
    learning_rate : float, default=0.5
        Initial learning rate.
    neighborhood_order : int, default=1
        Neighbour rings used by the U-matrix, the classification tie-break and sample
        retrieval (training does not use it).
    topology : {"rectangular", "hexagonal"}, default="rectangular"
        Grid geometry; hexagonal grids use odd-r rows (odd rows shifted right).
    lr_decay_function, sigma_decay_function : str or callable, default="asymptotic_decay"
        Schedules ``(value0, t, epochs) -> value``, evaluated per epoch.
    neighborhood_function : str or callable, default="gaussian"
        ``gaussian``, ``mexican_hat``, ``bubble``, ``triangle``, or an element-wise
        callable ``(dist_sq, sigma) -> weights``.
    distance_function : str or callable, default="euclidean"
        ``euclidean``, ``cosine``, ``manhattan``, ``chebyshev``, or a callable
        ``(data (b, F), weights (x, y, F)) -> (b, x, y)``.
    initialization_mode : {"random", "pca"}, default="random"
        Default mode of :meth:`initialize_weights`.
    pbc : bool, default=False
        Periodic boundaries (a torus). Hexagonal tori need an even ``x``.
    search_backend : {"auto", "torch", "faiss"}, default="auto"
        BMU search backend of every question asked of the built map: :meth:`identify_bmus`,
        the errors, :meth:`evaluate`, :meth:`assign_labels` and the maps.
    device : str or torch.device, optional
        ``None`` means "cuda if available", resolved at construction.
    random_seed : int or None, default=42
        Seed of the map's own generator (initialisation and shuffling); None draws a
        fresh seed. The global torch random state is never touched.
    algorithm : {"minibatch", "batch", "online"}, default="minibatch"
        Training rule; see :meth:`fit`.
    missing_values : {"error", "ignore"}, default="error"
        ``"ignore"``: NaN in the data are missing values. Training, the BMU search, the
        errors and :meth:`impute` then compare samples on their observed features only
        (squared distances rescaled by ``F / F_observed``) and training moves the observed
        features only. Needs the euclidean distance. ``"error"`` rejects NaN. Infinite
        values are rejected in both modes.
    max_missing_fraction : float, default=1.0
        With ``missing_values="ignore"``, the largest share of a row's features that may
        be missing; data with rows above it is rejected (the default accepts every row
        with an observed value). A row with no observed value is always rejected.

    Attributes
    ----------
    weights : torch.nn.Parameter
        The codebook, shape (x, y, num_features).
    xx, yy : torch.Tensor
        Vertical and horizontal neuron positions, shape (x, y).
    quantization_errors_, topographic_errors_ : list of float
        Per-epoch errors of every :meth:`fit` call so far (TE in percent).
    epochs_trained_ : int
        Epochs completed over all calls to :meth:`fit`.
    """

    _VALID_RETRIEVAL_MODES: ClassVar[tuple[str, ...]] = (
        "bmu_only",
        "bmu_neighborhood",
        "bmu_neighborhood_knn",
    )

    # the defaults are those of the one table of hyperparameters (core/parameters.py)
    def __init__(
        self,
        x: int,
        y: int,
        num_features: int,
        epochs: int = DEFAULTS["epochs"],
        batch_size: int = DEFAULTS["batch_size"],
        sigma: float = DEFAULTS["sigma"],
        learning_rate: float = DEFAULTS["learning_rate"],
        neighborhood_order: int = DEFAULTS["neighborhood_order"],
        topology: str = DEFAULTS["topology"],
        lr_decay_function: str | Callable[..., float] = DEFAULTS["lr_decay_function"],
        sigma_decay_function: str | Callable[..., float] = DEFAULTS["sigma_decay_function"],
        neighborhood_function: str | Callable[..., torch.Tensor] = (
            DEFAULTS["neighborhood_function"]),
        distance_function: str | Callable[..., torch.Tensor] = DEFAULTS["distance_function"],
        initialization_mode: str = DEFAULTS["initialization_mode"],
        pbc: bool = DEFAULTS["pbc"],
        search_backend: str = DEFAULTS["search_backend"],
        device: str | torch.device | None = DEFAULTS["device"],
        random_seed: int | None = DEFAULTS["random_seed"],
        algorithm: str = DEFAULTS["algorithm"],
        missing_values: str = DEFAULTS["missing_values"],
        max_missing_fraction: float = DEFAULTS["max_missing_fraction"],
    ) -> None:
        super().__init__()
        params = {name: value for name, value in locals().items() if name in SOM_PARAMETERS}
        validate_parameters(params)
        self.x, self.y, self.num_features = int(x), int(y), int(num_features)
        self.epochs, self.batch_size = int(epochs), int(batch_size)
        self.sigma, self.learning_rate = float(sigma), float(learning_rate)
        self.neighborhood_order = int(neighborhood_order)
        self.topology, self.pbc = topology, bool(pbc)
        self.lr_decay_function, self.sigma_decay_function = lr_decay_function, sigma_decay_function
        self.neighborhood_function, self.distance_function = (
            neighborhood_function,
            distance_function,
        )
        self.initialization_mode, self.search_backend = initialization_mode, search_backend
        self.random_seed, self.algorithm = random_seed, algorithm
        self.missing_values = missing_values
        self.max_missing_fraction = float(max_missing_fraction)
        self.device = resolve_device(device)

        self.distance_fn_name = _function_name(distance_function)
        self.neighborhood_fn_name = _function_name(neighborhood_function)
        self.distance_fn = DISTANCE_FUNCTIONS.resolve("distance_function", distance_function)
        self.neighborhood_fn = NEIGHBORHOOD_FUNCTIONS.resolve(
            "neighborhood_function", neighborhood_function
        )
        self.lr_decay_fn = DECAY_FUNCTIONS.resolve("lr_decay_function", lr_decay_function)
        self.sigma_decay_fn = DECAY_FUNCTIONS.resolve("sigma_decay_function", sigma_decay_function)
        self._cross_distance = cross_distance_for(self.distance_fn)

        self._generator = torch.Generator(device="cpu")
        self._generator.manual_seed(0 if random_seed is None else int(random_seed))
        if random_seed is None:
            self._generator.seed()

        row_coord, col_coord = grid_positions(self.x, self.y, topology, device=self.device)
        self.register_buffer("xx", row_coord, persistent=False)
        self.register_buffer("yy", col_coord, persistent=False)
        self.register_buffer(
            "_positions", torch.stack((row_coord.reshape(-1), col_coord.reshape(-1)), 1),
            persistent=False,
        )
        # kept so that fit can tell a never-initialised codebook (see _weights_never_set)
        self._construction_rng_state = self._generator.get_state()
        codebook = unit_random_codebook(self.x, self.y, self.num_features, self._generator,
                                        torch.float32)
        self.weights = nn.Parameter(codebook.to(self.device), requires_grad=False)
        self._build_neighbor_offsets()
        self._search_strategy = create_search_strategy(
            search_backend, self.distance_fn, self.distance_fn_name, self.x * self.y,
            device=self.device, num_features=self.num_features,
        )
        self.search_backend_ = getattr(self._search_strategy, "name", "torch")
        #: force the engine's array backend ("numpy" or "torch"); None chooses per fit
        self._engine_backend: str | None = None
        self.quantization_errors_: list[float] = []
        self.topographic_errors_: list[float] = []
        self.epochs_trained_ = 0

    # ------------------------------------------------------------------ internal surface
    @property
    def internals(self) -> SOMInternals:
        """The map's internal surface for torchsom's own modules (see :class:`SOMInternals`)."""
        return SOMInternals(self)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_config(cls, config: Any, **overrides: Any) -> SOM:
        """Build a SOM from a :class:`~torchsom.configs.SOMConfig` (or a dict)."""
        values = dict(config) if isinstance(config, dict) else config.model_dump()
        values.update(overrides)
        return cls(**values)

    def _build_neighbor_offsets(self) -> None:
        # rings past the grid's largest distance reach no new cell: cap the cost there
        order = min(self.neighborhood_order, largest_useful_order(self.x, self.y, self.topology))
        offsets = get_all_neighbors_up_to_order(self.topology, order)
        self._neighbor_offsets = offsets
        if isinstance(offsets, dict):
            self._even_row_offsets = offsets["even"]
            self._odd_row_offsets = offsets["odd"]

    def set_neighborhood_order(self, neighborhood_order: int) -> None:
        """Change the neighbour rings used by maps and retrieval (weights untouched)."""
        value = neighborhood_order
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            # keeps the 1.x wording "must be >= 1, got" inside the message
            raise InvalidParameterError(
                f"neighborhood_order must be >= 1, got {value!r}; expected an int >= 1."
            )
        check_parameter("neighborhood_order", value)  # the table's upper bound
        self.neighborhood_order = int(value)
        self._build_neighbor_offsets()

    def _apply(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> SOM:
        super()._apply(fn, *args, **kwargs)
        self.device = str(self.weights.device)
        return self

    # ------------------------------------------------------------------ copying and state
    #: attributes rebuilt from the settings when unpickling (registry closures and search
    #: indexes cannot be pickled)
    _DERIVED_STATE: ClassVar[tuple[str, ...]] = (
        "distance_fn", "neighborhood_fn", "lr_decay_fn", "sigma_decay_fn", "_cross_distance",
        "_search_strategy", "_partial",
    )

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for name in self._DERIVED_STATE:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.distance_fn = DISTANCE_FUNCTIONS.resolve("distance_function", self.distance_function)
        self.neighborhood_fn = NEIGHBORHOOD_FUNCTIONS.resolve(
            "neighborhood_function", self.neighborhood_function
        )
        self.lr_decay_fn = DECAY_FUNCTIONS.resolve("lr_decay_function", self.lr_decay_function)
        self.sigma_decay_fn = DECAY_FUNCTIONS.resolve(
            "sigma_decay_function", self.sigma_decay_function
        )
        self._cross_distance = cross_distance_for(self.distance_fn)
        self._search_strategy = create_search_strategy(
            self.search_backend, self.distance_fn, self.distance_fn_name, self.x * self.y,
            device=self.device, num_features=self.num_features,
        )
        self._search_strategy.rebuild_index(self.weights)

    def _load_from_state_dict(self, *args: Any, **kwargs: Any) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._search_strategy.rebuild_index(self.weights)  # keep the search index in step

    # ------------------------------------------------------------------ geometry
    @property
    def _periods(self) -> tuple[float, float] | None:
        return grid_periods(self.x, self.y, self.topology) if self.pbc else None

    def _grid_index(self) -> GridIndex:
        return GridIndex(self.x, self.y, self.topology, self._positions, self._periods)

    @property
    def coord_distances_sq(self) -> torch.Tensor:
        """Squared grid distances between all neuron pairs, shape (n, n).

        Computed on demand (it is O(neurons²)); training never uses it.
        """
        every = torch.arange(self.x * self.y, device=self._positions.device)
        return grid_distance_sq(self._positions, every, self._periods)

    @property
    def lr_schedule(self) -> torch.Tensor:
        """Learning rate of every epoch for the current settings, shape (epochs,)."""
        return torch.tensor(
            [self.lr_decay_fn(self.learning_rate, t, self.epochs) for t in range(self.epochs)],
            dtype=torch.float32,
        )

    @property
    def sigma_schedule(self) -> torch.Tensor:
        """Sigma of every epoch for the current settings, shape (epochs,)."""
        return torch.tensor(
            [self.sigma_decay_fn(self.sigma, t, self.epochs) for t in range(self.epochs)],
            dtype=torch.float32,
        )

    def _codebook(self) -> torch.Tensor:
        return self.weights.detach().reshape(self.x * self.y, self.num_features)

    def _check_data(self, data: Any, name: str = "data", missing: bool = False) -> torch.Tensor:
        """``data`` as a (n, F) tensor; NaN allowed (as missing) when ``missing`` and the
        map ignores missing values."""
        return as_data(
            data, name=name, num_features=self.num_features, dtype=self.weights.dtype,
            device=self.weights.device,
            missing_values=self.missing_values if missing else "error",
            max_missing_fraction=self.max_missing_fraction,
        )

    # ------------------------------------------------------------------ initialisation
    def initialize_weights(self, data: Any, mode: str | None = None) -> None:
        """Set the codebook from data.

        Parameters
        ----------
        data : array-like
            Shape (n_samples, num_features).
        mode : {"random", "pca"}, optional
            ``random`` copies randomly drawn samples (the map's generator); ``pca`` spreads
            the codebook over the plane of the two leading principal components. Defaults
            to ``initialization_mode``.

        Raises
        ------
        ValueError
            For an unknown mode, or PCA with fewer than 2 features or 2 samples.
        """
        mode = self.initialization_mode if mode is None else mode
        check_choice("mode", mode, INITIALIZATION_MODES,
                     "Invalid initialization mode (only 'random' or 'pca' are allowed)")
        samples = self._check_data(data, missing=True)
        if self._has_missing(samples):  # holes start at their feature's mean
            samples = fill_with_mean(samples)
        if mode == "pca":
            if self.num_features < 2:
                raise ValueError(
                    "PCA initialization needs at least 2 features; this map has "
                    f"num_features={self.num_features}. Use mode='random'."
                )
            if samples.shape[0] < 2:
                raise ValueError(
                    "PCA initialization needs at least 2 samples; data has "
                    f"{samples.shape[0]}. Use mode='random'."
                )
            codebook = pca_init(samples, self.x, self.y, self.topology)
        else:
            codebook = random_init(samples, self.x, self.y, self._generator)
        with torch.no_grad():
            self.weights.copy_(codebook)
        self._partial = None  # new weights start a new partial_fit schedule
        self._search_strategy.rebuild_index(self.weights)

    # ------------------------------------------------------------------ training
    def fit(
        self, data: Any, y: Any = None, verbose: bool = True, *,
        n_samples: int | None = None, checkpoint: Any = None,
        checkpoint_every: int | None = None, resume: Any = None, distributed: bool = False,
        process_group: Any = None,
    ) -> tuple[list[float], list[float]]:
        """Train the map.

        Two rules are available through the ``algorithm`` constructor argument:

        * ``"minibatch"`` (default): each batch of ``batch_size`` shuffled samples moves
          every neuron by ``(lr / b) · Σ_k h(bmu_k, n) · (x_k − w_n)``.
        * ``"batch"``: Kohonen's batch map. Each epoch searches all samples once, then sets
          ``w_n ← w_n + lr · (Σ_i h(bmu_i, n) x_i / Σ_i h(bmu_i, n) − w_n)`` (``lr`` clipped
          to 1). It costs about one BMU search per epoch and is the fast path for large
          data.
        * ``"online"``: one shuffled sample per step, ``w_n ← w_n + lr(t) · h(c, n) ·
          (x − w_n)``, with learning rate and sigma decayed per step: the decay functions
          are evaluated at step ``t`` with ``max_iter = epochs × n_samples``.

        With the other rules, learning rate and sigma follow their schedules per epoch.
        Data with NaN trains on the observed features only (``missing_values="ignore"``).
        A second call continues from the current weights and restarts the schedules. If
        training raises (or is interrupted, e.g. by ``KeyboardInterrupt``), the weights
        and the random generator are restored to what they were before the call and the
        history is not extended, so the map is usable and calling ``fit`` again gives the
        same result as an uninterrupted call. Training works in coordinates centred on the
        data mean, so data far from the origin is ranked as precisely as centred data. The
        thread count of a mini-batch fit is measured on the machine (one thread or
        ``torch.get_num_threads()``) and restored afterwards; the online rule runs on one
        thread.

        A map built with ``initialization_mode="pca"`` whose weights were never set (no
        :meth:`initialize_weights`, no earlier fit, no loaded state) is first initialised
        by PCA from ``data`` when ``data`` is in memory (for a stream, initialise from a
        sample first). Fitted on a pandas DataFrame with string column names, the map keeps
        them in ``feature_names_in_``. Data larger than memory, checkpoints and
        data-parallel training are described in the scale-out guide (``docs/scale.md``).

        Parameters
        ----------
        data : array-like, memmap, path, DataLoader or iterable
            Shape (n_samples, num_features) in memory; or a numpy memmap or the path of a
            ``.npy`` file (read in blocks); a ``torch.utils.data.DataLoader``; a callable
            returning an iterable of batches (called once per epoch); a re-iterable of
            batches; or a single-pass iterator of batches (read once, the epochs spread
            over it by sample count).
        y : None, bool or array-like, optional
            Ignored: accepted so that a scikit-learn ``Pipeline`` can pass its targets.
            A bool (or int) here is taken as ``verbose``: the positional form
            ``fit(data, False)``.
        verbose : bool, default=True
            Show a progress bar with the current errors.
        n_samples : int, optional
            Samples per pass of ``data``: needed for a single-pass iterator without
            ``len()``; checked against what other sources yield.
        checkpoint : str or os.PathLike, optional
            Write a checkpoint (a map file plus the fit's position) there at the end of
            each epoch.
        checkpoint_every : int, optional
            Also write it after every ``checkpoint_every`` chunks of a pass.
        resume : str, os.PathLike or bool, optional
            Continue the fit stored in this checkpoint (the same map settings and data);
            ``True``: from ``checkpoint`` if that file exists, else start.
        distributed : bool, default=False
            Data-parallel training over ``torch.distributed``: every rank calls ``fit`` on
            its own shard and all end with the same weights.
        process_group : torch.distributed.ProcessGroup, optional
            The group of a distributed fit (default: the default group).

        Returns
        -------
        quantization_errors : list of float
            Length ``epochs``. Epoch ``t``'s value is the mean BMU distance found by the
            searches training made during epoch ``t`` (each batch searched before its
            update; for the batch rule, the search at the start of the epoch).
        topographic_errors : list of float
            Length ``epochs``, in percent: the share of samples whose two best units, from
            the same searches, are not adjacent.
        """
        validate_settings(self)  # settings may have been changed since construction
        if isinstance(y, (bool, np.bool_, int, np.integer)):  # fit(data, verbose), as in 1.x
            verbose = bool(y)
        options = scaling.FitOptions(n_samples, checkpoint, checkpoint_every, resume,
                                     distributed, process_group)
        samples = scaling.fit_source(self, data, options)
        if isinstance(samples, torch.Tensor):  # streams: initialise from a sample first
            self._prepare_fit(data, samples)
        self._partial = None  # a fit starts a new partial_fit schedule
        check_int("epochs", self.epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        initial = self.weights.detach().clone()
        rng_state = self._generator.get_state()
        try:
            q_list, t_list = self._train(samples, verbose, options)
        except BaseException:
            # roll back weights and generator: a retried fit equals an uninterrupted one
            with torch.no_grad():
                self.weights.copy_(initial)
            self._generator.set_state(rng_state)
            self._search_strategy.rebuild_index(self.weights)
            raise
        self._search_strategy.rebuild_index(self.weights)
        self.quantization_errors_.extend(q_list)
        self.topographic_errors_.extend(t_list)
        self.epochs_trained_ += len(q_list)
        return q_list, t_list

    def _fit_plan(self, verbose: bool = False) -> FitPlan:
        """The engine's description of a fit with the current settings."""
        def schedule(epoch: int) -> tuple[float, float]:
            return (float(self.lr_decay_fn(self.learning_rate, epoch, self.epochs)),
                    float(self.sigma_decay_fn(self.sigma, epoch, self.epochs)))

        return FitPlan(
            algorithm=self.algorithm, epochs=self.epochs, batch_size=self.batch_size,
            schedule=schedule, neighborhood=self.neighborhood_fn,
            cross_distance=self._cross_distance, grid=self._grid_index(),
            errors=EpochErrors(self._positions, adjacency_threshold(self.topology),
                               self._periods),
            generator=self._generator, verbose=verbose, backend=self._engine_backend,
            step_schedule=per_step_schedule(self.lr_decay_fn, self.learning_rate,
                                            self.sigma_decay_fn, self.sigma),
            missing_values=self.missing_values,
        )

    def _train(self, samples: Any, verbose: bool, options: Any = None,
               ) -> tuple[list[float], list[float]]:
        codebook = self.weights.detach().reshape(self.x * self.y, self.num_features)
        control = scaling.fit_control(self, options, codebook, samples)
        return train_epochs(self._fit_plan(verbose), codebook, samples, control)

    def partial_fit(self, batch: Any, y: Any = None, *, n_samples: int | None = None) -> SOM:
        """Train on one batch, continuing a schedule that runs over the samples seen.

        The learning rate and sigma of epoch ``t`` (the same schedules as :meth:`fit`)
        apply to samples ``t·N`` to ``(t+1)·N − 1`` of the stream, ``N = n_samples``;
        after the map's ``epochs`` the last epoch's values stay. Each batch is cut into
        steps of ``batch_size`` samples, in the order given (no shuffling: shuffle the
        stream yourself). With the batch rule the sums and counts build up over the calls
        and the codebook moves once per ``N`` samples. Feeding the batches of a
        :meth:`fit` over a re-iterable of batches, in its order, gives the same codebook
        and errors. Each completed epoch appends its errors to the history. If the call
        raises, the map and the schedule position are as before it. :meth:`fit` and
        :meth:`initialize_weights` start a new schedule; the position is not saved with
        the map.

        Parameters
        ----------
        batch : array-like
            Shape (m, num_features).
        y : None
            Ignored (scikit-learn's signature).
        n_samples : int, optional
            Samples per epoch ``N``: required on the first call, may be left out after.

        Returns
        -------
        SOM
            The map itself.
        """
        scaling.partial_fit(self, batch, n_samples)
        return self

    # ------------------------------------------------------------------ search and errors
    def identify_bmus(self, data: Any) -> torch.Tensor:
        """Grid coordinates ``(row, col)`` of each sample's best-matching unit.

        Parameters
        ----------
        data : array-like
            Shape (n_samples, num_features), or (num_features,) for one sample.

        Returns
        -------
        torch.Tensor
            int64, shape (n_samples, 2), or (2,) for a single 1-D sample.
        """
        one = _is_single_sample(data)
        _, idx = self._best_units(self._check_data(data, missing=True), 1)
        flat = idx[:, 0].to(self.weights.device)
        coords = torch.stack((flat // self.y, flat % self.y), dim=1)
        return coords[0] if one else coords

    def _best_units(self, samples: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The one BMU search of a built map: the search backend (``search_backend_``),
        or, for checked data holding missing values, the search on observed features.
        :meth:`identify_bmus`, the errors and :meth:`evaluate` all ask it."""
        if self._has_missing(samples):
            return search_bmus(samples, self._codebook(), self._cross_distance, k=k,
                               missing=True)
        return self._search_strategy.search(samples, self.weights.detach(), k=k)

    def _has_missing(self, samples: torch.Tensor) -> bool:
        """Whether checked data holds NaN (only possible with missing_values="ignore")."""
        return self.missing_values == "ignore" and bool(torch.isnan(samples).any())

    def impute(self, data: Any) -> Any:
        """Fill the missing values (NaN) of ``data`` from each row's best-matching unit.

        Each row is matched on its observed features (see ``missing_values``); its NaN
        entries take the BMU's codebook values, its observed entries are kept. Works
        whatever ``missing_values`` is; ``max_missing_fraction`` applies.

        Parameters
        ----------
        data : array-like
            Shape (n_samples, num_features) or (num_features,), NaN where missing.

        Returns
        -------
        torch.Tensor or numpy.ndarray
            Same shape as ``data``, without NaN: a tensor on the map's device for tensor
            input, a numpy array otherwise.

        Raises
        ------
        ValueError
            For infinite values, a row that is entirely NaN, or rows above
            ``max_missing_fraction``.
        """
        one = _is_single_sample(data)
        samples = as_data(
            data, name="data", num_features=self.num_features, dtype=self.weights.dtype,
            device=self.weights.device, missing_values="ignore",
            max_missing_fraction=self.max_missing_fraction,
        )
        holes = torch.isnan(samples)
        filled = samples
        if bool(holes.any()):
            _, idx = search_bmus(samples, self._codebook(), self._cross_distance, k=1,
                                 missing=True)
            filled = torch.where(holes, self._codebook()[idx[:, 0]], samples)
        filled = filled[0] if one else filled
        return filled if isinstance(data, torch.Tensor) else filled.cpu().numpy()

    def quantization_error(self, data: Any) -> float:
        """Mean distance from each sample to its BMU, in the map's distance metric.

        The BMUs come from the map's search backend, as for :meth:`identify_bmus`.
        """
        samples = self._check_data(data, missing=True)
        dist, _ = self._best_units(samples, 1)
        return float(quantization_error_from_bmus(dist))

    def topographic_error(self, data: Any) -> float:
        """Share of samples (a ratio in [0, 1]) whose two best units are not adjacent.

        Adjacent means the 8 surrounding cells on a rectangular grid and the 6 touching
        hexagons on a hexagonal grid, across the wrap when ``pbc`` is on. The two best
        units come from the map's search backend, as for :meth:`identify_bmus`. Returns
        NaN with a warning on a 1×1 map.
        """
        samples = self._check_data(data, missing=True)
        if self.x * self.y == 1:
            warnings.warn("The topographic error is not defined for a 1-by-1 map.",
                          TorchSOMWarning, stacklevel=2)
            return float("nan")
        _, idx = self._best_units(samples, 2)
        return float(topographic_error_from_bmus(idx, self._positions,
                                                 adjacency_threshold(self.topology),
                                                 self._periods))

    def evaluate(
        self,
        data: Any,
        k: int = 5,
        sigma: float | None = None,
        sample_size: int | None = 2000,
        random_state: int = 0,
    ) -> dict[str, float]:
        """Every quality measure of the map on ``data``, as a dict of float.

        Keys: ``quantization_error``, ``topographic_error`` (a ratio), ``trustworthiness``,
        ``continuity``, ``neighborhood_preservation`` (at ``k``), ``topographic_product``,
        ``distortion`` (at ``sigma``) and ``explained_variance``; formulas and references
        in :mod:`torchsom.functional.quality`. One chunked BMU search serves them all.

        Parameters
        ----------
        data : array-like
            Shape (n_samples, num_features).
        k : int, default=5
            Neighbourhood size of the rank measures, ``1 <= k <= n - 2``.
        sigma : float, optional
            Neighbourhood width of the distortion; defaults to the last epoch's sigma of
            the schedule.
        sample_size : int or None, default=2000
            Above this many samples the rank measures (trustworthiness, continuity,
            neighbourhood preservation) run exactly on a random subsample of this size;
            None runs them on all samples (time grows with n²).
        random_state : int, default=0
            Seed of that subsample.

        Returns
        -------
        QualityReport
            A dict ``name → float``; its attributes ``k``, ``sigma``, ``n_samples``,
            ``rank_samples`` and ``subsampled`` say how it was computed.
        """
        return evaluation.evaluate_som(self, data, k=k, sigma=sigma, sample_size=sample_size,
                                       random_state=random_state)

    def _calculate_distances_to_neurons(self, data: Any) -> torch.Tensor:
        """Distances to every neuron: (x, y) for one 1-D sample, else (b, x, y)."""
        one = _is_single_sample(data)
        samples = self._check_data(data)
        out = self._cross_distance(samples, self._codebook()).reshape(-1, self.x, self.y)
        return out[0] if one else out

    # ------------------------------------------------------------------ maps, retrieval, clustering
    def build_map(
        self,
        map_type: str,
        data: Any = None,
        target: Any = None,
        bmus_data_map: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Build one map over the grid (see :mod:`torchsom.core.maps`)."""
        return dispatch.build_map(self, map_type, data=data, target=target,
                                 bmus_data_map=bmus_data_map, **kwargs)

    def build_multiple_maps(
        self, map_configs: list[dict[str, Any]], data: Any, target: Any = None,
        batch_size: int = 1024,
    ) -> dict[str, Any]:
        """Build several maps sharing one BMU search (see :mod:`torchsom.core.maps`)."""
        return dispatch.build_multiple_maps(self, map_configs, data, target=target,
                                           batch_size=batch_size)

    def collect_samples(
        self,
        query_sample: Any,
        historical_samples: Any,
        historical_outputs: Any,
        bmus_idx_map: Any,
        min_buffer_threshold: int = 50,
        return_indices: bool = False,
        retrieval_mode: str = "bmu_neighborhood_knn",
    ) -> Any:
        """Collect training samples near a query on the map (see :mod:`torchsom.core.retrieval`)."""
        return retrieval.collect_samples(
            self, query_sample, historical_samples, historical_outputs, bmus_idx_map,
            min_buffer_threshold=min_buffer_threshold, return_indices=return_indices,
            retrieval_mode=retrieval_mode,
        )

    def collect_samples_batch(
        self,
        query_samples: Any,
        historical_samples: Any,
        historical_outputs: Any,
        bmus_idx_map: Any,
        min_buffer_threshold: int = 50,
        return_indices: bool = False,
        retrieval_mode: str = "bmu_neighborhood_knn",
    ) -> list[Any]:
        """:meth:`collect_samples` for many queries at once (see :mod:`torchsom.core.retrieval`)."""
        return retrieval.collect_samples_batch(
            self, query_samples, historical_samples, historical_outputs, bmus_idx_map,
            min_buffer_threshold=min_buffer_threshold, return_indices=return_indices,
            retrieval_mode=retrieval_mode,
        )

    def cluster(
        self,
        method: str = "kmeans",
        n_clusters: int | None = None,
        feature_space: str = "weights",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Cluster the neurons (see :mod:`torchsom.core.clustering`)."""
        from torchsom.core import clustering

        return clustering.cluster_som(self, method=method, n_clusters=n_clusters,
                                      feature_space=feature_space, **kwargs)

    def assign_labels(self, data: Any, neuron_labels: Any) -> torch.Tensor:
        """Give every sample the label of its best-matching unit.

        Turns per-neuron labels (for example ``som.cluster()["labels"]``) into per-sample
        labels.

        Parameters
        ----------
        data : array-like
            Shape (n_samples, num_features).
        neuron_labels : array-like or dict
            One label per neuron: shape (x·y,) in row-major neuron order or (x, y); or the
            dict returned by :meth:`cluster` (its ``"labels"`` entry is used).

        Returns
        -------
        torch.Tensor
            Shape (n_samples,), the labels' dtype, on the map's device.

        Raises
        ------
        ValueError
            If ``neuron_labels`` does not hold exactly one label per neuron.
        """
        if isinstance(neuron_labels, dict):
            neuron_labels = neuron_labels["labels"]
        if not isinstance(neuron_labels, torch.Tensor):
            neuron_labels = torch.as_tensor(np.asarray(neuron_labels))
        n_neurons = self.x * self.y
        if neuron_labels.numel() != n_neurons or neuron_labels.dim() not in (1, 2) or (
            neuron_labels.dim() == 2 and tuple(neuron_labels.shape) != (self.x, self.y)
        ):
            raise ValueError(
                f"neuron_labels must have shape ({n_neurons},) or ({self.x}, {self.y}), one "
                f"label per neuron; got shape {tuple(neuron_labels.shape)}."
            )
        _, idx = self._best_units(self._check_data(data), 1)
        flat = idx[:, 0].to(neuron_labels.device)
        return neuron_labels.reshape(-1)[flat].to(self.weights.device)

    # ------------------------------------------------------------------ persistence
    def save(self, path: Any) -> None:
        """Save configuration, weights and training history to ``path`` (see :mod:`torchsom.io`)."""
        persistence.save_som(self, path)

    @classmethod
    def load(cls, path: Any, map_location: Any = None) -> SOM:
        """Load a map written by :meth:`save` (see :mod:`torchsom.io`)."""
        return persistence.load_som(path, map_location, cls=cls)

    # ------------------------------------------------------------------ 1.x private helpers
    def _vectorized_neighborhood(
        self, bmu_indices_flat: torch.Tensor, sigma: float
    ) -> torch.Tensor:
        """Neighbourhood weights of the given flat BMU indices, shape (b, x, y)."""
        return som_methods.vectorized_neighborhood(self, bmu_indices_flat, sigma)

    def _update_weights(
        self, data: torch.Tensor, bmus: torch.Tensor, learning_rate: float, sigma: float
    ) -> None:
        """One mini-batch update in place: ``data`` (b, F), ``bmus`` (b, 2) grid coordinates."""
        som_methods.update_weights(self, data, bmus, learning_rate, sigma)


class SOMInternals:
    """The internal surface of a :class:`SOM`, for torchsom's own modules.

    The maps, sample retrieval, evaluation, saving and loading, fitting from streams,
    the scikit-learn estimators and the JIT learner use a map through its public API and
    this object (``som.internals``) only: no module but this one reads the map's private
    attributes. It is a view (made on each access, holding only the map), so it follows
    the map through ``set_params``, pickling and copying. Not part of the user API.

    Parameters
    ----------
    som : SOM
        The map it exposes.
    """

    __slots__ = ("_som",)

    def __init__(self, som: SOM) -> None:
        self._som = som

    def check_data(self, data: Any, name: str = "data", missing: bool = False) -> torch.Tensor:
        """``data`` checked and converted to the map's dtype and device, shape (n, F).

        NaN pass (as missing values) only when ``missing`` is true and the map has
        ``missing_values="ignore"``; every other check is :func:`torchsom._validation.as_data`'s.
        """
        return self._som._check_data(data, name, missing=missing)

    def search(self, samples: torch.Tensor, k: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``k`` best units of checked ``samples`` (n, F) by the map's search backend.

        Returns distances (n, k) in the map's metric, ascending, and flat neuron indices
        ``row * y + col`` (n, k).
        """
        return self._som._best_units(samples, k)

    def weights_changed(self) -> None:
        """Bring the search backend up to date after the codebook was written from outside."""
        self._som._search_strategy.rebuild_index(self._som.weights)

    @property
    def cross_distance(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """The map's distance as ``(samples (n, F), codebook (m, F)) -> (n, m)``."""
        return self._som._cross_distance

    @property
    def generator(self) -> torch.Generator:
        """The map's own random generator (initialisation and shuffling)."""
        return self._som._generator

    @property
    def initial_generator_state(self) -> torch.Tensor | None:
        """The generator state the construction codebook was drawn from (None if unknown)."""
        return getattr(self._som, "_construction_rng_state", None)

    @initial_generator_state.setter
    def initial_generator_state(self, state: torch.Tensor) -> None:
        self._som._construction_rng_state = state

    @property
    def positions(self) -> torch.Tensor:
        """Neuron grid coordinates, shape (x·y, 2), on the map's device."""
        return self._som._positions

    def weights_never_set(self) -> bool:
        """True while the codebook is still the random draw made at construction."""
        return self._som._weights_never_set()

    def grid_index(self) -> GridIndex:
        """The grid's geometry (positions, topology, periods) for the smoothing kernels."""
        return self._som._grid_index()

    def fit_plan(self, verbose: bool = False) -> FitPlan:
        """The training engine's description of a fit with the current settings."""
        return self._som._fit_plan(verbose)

    @property
    def partial_run(self) -> Any:
        """The ``partial_fit`` schedule in progress, or None."""
        return getattr(self._som, "_partial", None)

    @partial_run.setter
    def partial_run(self, run: Any) -> None:
        self._som._partial = run


def _is_single_sample(data: Any) -> bool:
    """Whether ``data`` is one 1-D sample: a 1-D array, or a list of numbers (a list of
    rows, whether lists, arrays or tensors, is 2-D)."""
    shape = getattr(data, "shape", None)
    if shape is not None:
        return len(shape) == 1
    if not isinstance(data, (list, tuple)) or len(data) == 0:
        return False
    first_shape = getattr(data[0], "shape", None)
    if first_shape is not None:
        return len(first_shape) == 0
    return not isinstance(data[0], (list, tuple))
