"""core.mapping keeps the maps and retrieval importable from one place."""

from __future__ import annotations

from torchsom.core import mapping, maps, retrieval
from torchsom.core.maps import bmu_map, builders, dispatch


def test_every_name_is_the_implementing_object() -> None:
    homes = {**{n: getattr(maps, n) for n in maps.__all__},
             **{n: getattr(retrieval, n) for n in retrieval.__all__}}
    assert set(mapping.__all__) == set(homes)
    for name in mapping.__all__:
        assert getattr(mapping, name) is homes[name], name


def test_the_package_exports_come_from_their_modules() -> None:
    assert maps.BMUMap is bmu_map.BMUMap and maps.build_map is dispatch.build_map
    assert maps.build_hit_map is builders.build_hit_map
    assert maps.MAP_FUNCTIONS is builders.MAP_FUNCTIONS
