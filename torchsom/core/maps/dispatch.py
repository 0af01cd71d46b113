"""Maps requested by name: ``build_map(map_type)`` and several maps from one search.

:meth:`SOM.build_map <torchsom.core.som.SOM.build_map>` and
:meth:`~torchsom.core.som.SOM.build_multiple_maps` call the functions here; the map types
are described in :mod:`torchsom.core.maps`, and each is built by its function in
:mod:`torchsom.core.maps.builders`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torchsom._registry import check_choice
from torchsom._validation import check_bool, check_int
from torchsom.core.maps.bmu_map import BMUMap, bmus_from_search
from torchsom.core.maps.builders import MAP_FUNCTIONS, build_distance_map, build_hit_map

__all__ = ["MAP_TYPES", "SUPERVISED_MAP_TYPES", "build_map", "build_multiple_maps"]

MAP_TYPES = ("hit", "distance", "bmus_data", "metric", "score", "rank", "classification")
SUPERVISED_MAP_TYPES = ("metric", "score", "rank", "classification")

# keyword arguments each map type accepts (besides data / target / bmus_data_map)
_MAP_KWARGS: dict[str, tuple[str, ...]] = {
    "hit": ("batch_size",),
    "distance": ("distance_metric", "neighborhood_order", "scaling"),
    "bmus_data": ("return_indices", "batch_size"),
    "metric": ("reduction_parameter", "batch_size"),
    "score": ("total_samples", "batch_size"),
    "rank": ("batch_size",),
    "classification": ("neighborhood_order", "batch_size"),
}


def _check_map_type(map_type: Any) -> str:
    if map_type not in MAP_TYPES:
        check_choice("map_type", map_type, MAP_TYPES,
                     f"Invalid map_type {map_type!r}. Available map types")
    return map_type


def _check_kwargs(map_type: str, kwargs: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(kwargs) - set(_MAP_KWARGS[map_type]))
    if unknown:
        accepted = ", ".join(_MAP_KWARGS[map_type]) or "none"
        raise TypeError(
            f"{where} got unexpected keyword argument(s) {', '.join(map(repr, unknown))} "
            f"for map type {map_type!r}; accepted: {accepted}."
        )


def build_map(
    som: Any, map_type: str, data: Any = None, target: Any = None, bmus_data_map: Any = None,
    **kwargs: Any,
) -> Any:
    """Build one map; see the module docstring for the map types.

    Parameters
    ----------
    som : SOM
        The map.
    map_type : str
        One of ``hit``, ``distance``, ``bmus_data``, ``metric``, ``score``, ``rank``,
        ``classification``.
    data : array-like, optional
        Shape (n_samples, num_features). Needed by ``hit`` and ``bmus_data``; the
        supervised maps need ``data`` or ``bmus_data_map``.
    target : array-like, optional
        Shape (n_samples,) (or (n_samples, 1)); needed by the supervised maps.
    bmus_data_map : dict, optional
        A ``bmus_data`` map in either form (used instead of searching ``data``).
    **kwargs
        Options of the map type: ``batch_size`` (hit, bmus_data, supervised maps);
        ``return_indices`` (bmus_data); ``distance_metric``, ``neighborhood_order``,
        ``scaling`` (distance); ``reduction_parameter`` (metric); ``total_samples``
        (score); ``neighborhood_order`` (classification).

    Returns
    -------
    torch.Tensor or dict
        A float32 (x, y) tensor, or the ``bmus_data`` dict.

    Raises
    ------
    ValueError
        For an unknown map type or a missing input.
    TypeError
        For a keyword argument the map type does not take.
    """
    map_type = _check_map_type(map_type)
    _check_kwargs(map_type, kwargs, f"build_map({map_type!r})")
    if map_type in SUPERVISED_MAP_TYPES:
        if target is None:
            raise ValueError(f"Map type '{map_type}' requires target parameter.")
        if data is None and bmus_data_map is None:
            raise ValueError(
                f"Map type '{map_type}' requires either data or bmus_data_map parameter."
            )
        return MAP_FUNCTIONS[map_type](som, target, bmus_data_map, data=data, **kwargs)
    if map_type == "distance":
        return build_distance_map(som, **kwargs)
    if map_type == "hit" and data is None and bmus_data_map is not None:
        return build_hit_map(som, bmus_data_map=bmus_data_map, **kwargs)
    if data is None:
        raise ValueError(f"Map type '{map_type}' requires data parameter.")
    return MAP_FUNCTIONS[map_type](som, data, **kwargs)


def _config_key(map_type: str, kwargs: Mapping[str, Any]) -> str:
    if not kwargs:
        return map_type
    return map_type + "_" + "_".join(f"{k}={kwargs[k]}" for k in sorted(kwargs))


def build_multiple_maps(
    som: Any, map_configs: Sequence[Mapping[str, Any]], data: Any, target: Any = None,
    batch_size: int = 1024,
) -> dict[str, Any]:
    """Build several maps from one BMU search of ``data``.

    Parameters
    ----------
    som : SOM
        The map.
    map_configs : list of dict
        Each ``{"type": map_type, "kwargs": {...}}`` (``kwargs`` optional). Every map
        type is supported, ``distance`` included.
    data : array-like
        Shape (n_samples, num_features), searched once in chunks of ``batch_size``.
    target : array-like, optional
        Needed when a supervised map is requested.
    batch_size : int, default=1024
        Samples per BMU search.

    Returns
    -------
    dict
        One entry per config. The key is the map type when the config has no kwargs,
        otherwise ``"<type>_<name>=<value>_..."`` with the kwargs sorted by name, e.g.
        ``"metric_reduction_parameter=std"``; it is the same in every process.

    Raises
    ------
    ValueError
        For a malformed config, two configs with the same key, or a supervised map
        without ``target``.
    """
    if isinstance(map_configs, Mapping) or not isinstance(map_configs, Sequence):
        raise TypeError(
            "map_configs must be a list of dicts like {'type': 'hit', 'kwargs': {}}; got "
            f"{type(map_configs).__name__}."
        )
    check_int("batch_size", batch_size, 1)
    plans: list[tuple[str, str, dict[str, Any]]] = []
    for position, config in enumerate(map_configs):
        if not isinstance(config, Mapping) or "type" not in config:
            raise ValueError(
                f"map_configs[{position}] must be a dict with a 'type' key (and optional "
                f"'kwargs'); got {config!r}."
            )
        extra = sorted(set(config) - {"type", "kwargs"})
        if extra:
            raise ValueError(
                f"map_configs[{position}] has unknown key(s) {extra}; only 'type' and "
                "'kwargs' are read."
            )
        map_type = _check_map_type(config["type"])
        options = config.get("kwargs")
        if options is not None and not isinstance(options, Mapping):
            raise TypeError(
                f"map_configs[{position}]['kwargs'] must be a dict of options for the "
                f"{map_type!r} map (e.g. {{'batch_size': 512}}); got {options!r} of type "
                f"{type(options).__name__}."
            )
        kwargs = dict(options or {})
        _check_kwargs(map_type, kwargs, f"map_configs[{position}]")
        if map_type in SUPERVISED_MAP_TYPES and target is None:
            raise ValueError(f"Map type '{map_type}' requires target parameter.")
        key = _config_key(map_type, kwargs)
        if any(key == planned for planned, _, _ in plans):
            raise ValueError(f"map_configs[{position}] repeats the map {key!r}.")
        plans.append((key, map_type, kwargs))
    needs_search = any(map_type != "distance" for _, map_type, _ in plans)
    results: dict[str, Any] = {}
    shared: BMUMap | None = None
    if needs_search:
        samples = som.internals.check_data(data, "data")
        shared = bmus_from_search(som, samples, batch_size)
    for key, map_type, kwargs in plans:
        kwargs.pop("batch_size", None)
        if map_type == "distance":
            results[key] = build_distance_map(som, **kwargs)
        elif map_type == "bmus_data":
            wants_indices = check_bool("return_indices", kwargs.get("return_indices", False))
            results[key] = shared.index_map() if wants_indices else shared
        elif map_type == "hit":
            results[key] = build_hit_map(som, bmus_data_map=shared)
        else:
            results[key] = MAP_FUNCTIONS[map_type](som, target, shared, data=data, **kwargs)
    return results
