"""The scikit-learn estimator protocol of :class:`~torchsom.core.som.SOM`.

``get_params``/``set_params``, ``sklearn.clone`` support and a ``repr`` of the settings,
plus the bookkeeping :meth:`SOM.fit` does before training: feature names from a
DataFrame and PCA initialisation of a map whose weights were never set. The map keeps
its own API (``fit`` returns the per-epoch errors); :mod:`torchsom.sklearn` holds the
full estimators.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from torchsom._validation import resolve_device
from torchsom.core.parameters import SOM_PARAMETERS
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning
from torchsom.functional.initialization import unit_random_codebook

__all__ = ["EstimatorProtocol", "REBUILD_PARAMETERS", "feature_names"]

#: constructor arguments whose change makes ``set_params`` rebuild an untrained map
REBUILD_PARAMETERS = ("x", "y", "num_features", "topology", "pbc", "random_seed")


def _display_name(value: Any) -> str:
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return repr(value)


def feature_names(data: Any) -> np.ndarray | None:
    """String column names of a DataFrame-like ``data`` (object array), else None."""
    columns = getattr(data, "columns", None)
    if columns is None or not hasattr(data, "to_numpy"):
        return None
    names = list(columns)
    if not names or not all(isinstance(name, str) for name in names):
        return None
    return np.asarray(names, dtype=object)


class EstimatorProtocol:
    """Mixin giving a SOM ``get_params``, ``set_params``, clone and repr support.

    The host class stores every constructor argument of
    :data:`~torchsom.core.parameters.SOM_PARAMETERS` under its own name.
    """

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments of this map (``device`` as resolved).

        Parameters
        ----------
        deep : bool, default=True
            Accepted for the scikit-learn estimator protocol; a map holds no nested
            estimators, so it changes nothing.

        Returns
        -------
        dict
            Parameter name → value, in constructor order.
        """
        return {name: getattr(self, name) for name in SOM_PARAMETERS}

    def set_params(self, **params: Any) -> Any:
        """Change constructor arguments, validated as in the constructor.

        Changing ``x``, ``y``, ``num_features``, ``topology``, ``pbc`` or ``random_seed``
        rebuilds the map untrained, as if constructed with the new settings. Any other
        change keeps the weights, the training history and the random generator, so a
        later ``fit`` continues from the current map. The weights' dtype is kept.

        Parameters
        ----------
        **params
            Parameter name → new value.

        Returns
        -------
        SOM
            ``self``.

        Raises
        ------
        InvalidParameterError
            For an unknown parameter name or an invalid value; the map is then unchanged.
        """
        unknown = sorted(set(params) - set(SOM_PARAMETERS))
        if unknown:
            raise InvalidParameterError(
                f"Invalid parameter {unknown[0]!r} for {type(self).__name__}; valid "
                f"parameters are: {sorted(SOM_PARAMETERS)}."
            )
        if not params:
            return self
        current = self.get_params(deep=False)
        merged = {**current, **params}
        old: Any = self
        # build first: an invalid value raises here and leaves this map untouched
        fresh = type(self)(**merged).to(dtype=old.weights.dtype)
        if all(merged[name] == current[name] for name in REBUILD_PARAMETERS):
            with torch.no_grad():
                fresh.weights.copy_(old.weights.detach().to(fresh.weights.device))
            fresh.internals.generator.set_state(old.internals.generator.get_state())
            fresh.internals.initial_generator_state = old.internals.initial_generator_state
            fresh.quantization_errors_ = list(old.quantization_errors_)
            fresh.topographic_errors_ = list(old.topographic_errors_)
            fresh.epochs_trained_ = old.epochs_trained_
            if hasattr(old, "feature_names_in_"):
                fresh.feature_names_in_ = old.feature_names_in_
            fresh.internals.weights_changed()
        fresh.train(old.training)
        self.__dict__.clear()
        self.__dict__.update(fresh.__dict__)
        return self

    def __sklearn_clone__(self) -> Any:
        """An untrained map with the same constructor arguments (used by ``sklearn.clone``)."""
        return type(self)(**self.get_params(deep=False))

    def extra_repr(self) -> str:
        """The constructor arguments that differ from their defaults, for ``repr``."""
        shown = []
        for name, rule in SOM_PARAMETERS.items():
            value = getattr(self, name)
            if name == "device":
                if value == resolve_device(None):
                    continue
            elif rule.default is not None and value == rule.default:
                continue
            shown.append(f"{name}={_display_name(value)}")
        return ", ".join(shown)

    # ------------------------------------------------------------------ before fit
    def _weights_never_set(self) -> bool:
        """True while the codebook is still the random draw made at construction.

        Redrawing it from the saved generator state and comparing catches every way of
        setting weights (``initialize_weights``, ``fit``, ``load_state_dict``, direct
        edits) without keeping a copy of the codebook.
        """
        som: Any = self
        state = som.internals.initial_generator_state
        if state is None or som.epochs_trained_ > 0:
            return False
        generator = torch.Generator(device="cpu")
        generator.set_state(state)
        drawn = unit_random_codebook(som.x, som.y, som.num_features, generator, torch.float32)
        return torch.equal(drawn.to(som.weights), som.weights.detach())

    def _prepare_fit(self, data: Any, samples: torch.Tensor) -> None:
        """Record feature names and apply PCA initialisation on the first fit.

        A map built with ``initialization_mode="pca"`` whose weights were never set is
        initialised from ``samples`` (when they have at least 2 rows and 2 features; else
        a warning says the random start is kept).
        """
        som: Any = self
        names = feature_names(data)
        if names is not None:
            som.feature_names_in_ = names
        elif hasattr(som, "feature_names_in_"):
            del som.feature_names_in_
        if som.initialization_mode != "pca" or not self._weights_never_set():
            return
        if samples.shape[0] < 2 or som.num_features < 2:
            warnings.warn(
                "initialization_mode='pca' needs at least 2 samples and 2 features; got "
                f"shape {tuple(samples.shape)}, so training starts from the random codebook. "
                "Call initialize_weights(data, mode='random') to start from samples instead.",
                TorchSOMWarning, stacklevel=3,
            )
            return
        som.initialize_weights(samples, mode="pca")
