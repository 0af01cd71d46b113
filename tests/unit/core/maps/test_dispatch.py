"""Maps by name: build_map's checks, and several maps from one BMU search."""

from __future__ import annotations

import pytest
import torch

from torchsom.core.maps.builders import build_hit_map, build_metric_map
from torchsom.core.maps.dispatch import (
    MAP_TYPES,
    SUPERVISED_MAP_TYPES,
    build_map,
    build_multiple_maps,
)

TARGET = torch.tensor([1.0, 4.0, 3.0, 8.0, 6.0])


def test_map_type_names() -> None:
    assert MAP_TYPES == ("hit", "distance", "bmus_data", "metric", "score", "rank",
                         "classification")
    assert set(SUPERVISED_MAP_TYPES) < set(MAP_TYPES)


def test_build_map_gives_what_the_builder_gives(corners_som, corners_data) -> None:
    assert torch.equal(build_map(corners_som, "hit", data=corners_data),
                       build_hit_map(corners_som, corners_data))
    assert torch.equal(build_map(corners_som, "metric", data=corners_data, target=TARGET),
                       build_metric_map(corners_som, TARGET, data=corners_data))


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda s, d: build_map(s, "hits", data=d), ValueError, "Invalid map_type 'hits'"),
    (lambda s, d: build_map(s, "hit", data=d, scaling="sum"), TypeError,
     r"build_map\('hit'\) got unexpected keyword argument\(s\) 'scaling'"),
    (lambda s, d: build_map(s, "rank", data=d), ValueError, "requires target"),
    (lambda s, d: build_map(s, "rank", target=TARGET), ValueError,
     "requires either data or bmus_data_map"),
    (lambda s, d: build_map(s, "bmus_data"), ValueError, "requires data"),
])
def test_build_map_names_what_is_wrong(corners_som, corners_data, call, error, match) -> None:
    with pytest.raises(error, match=match):
        call(corners_som, corners_data)


def test_multiple_maps_share_one_search(corners_som, corners_data, monkeypatch) -> None:
    calls = []
    search = corners_som.internals.search.__func__

    def counting(self, samples, k=1):
        calls.append(samples.shape[0])
        return search(self, samples, k)

    monkeypatch.setattr(type(corners_som.internals), "search", counting)
    maps = build_multiple_maps(corners_som, [
        {"type": "hit"}, {"type": "distance"}, {"type": "metric"},
        {"type": "metric", "kwargs": {"reduction_parameter": "std"}},
        {"type": "bmus_data", "kwargs": {"return_indices": True}},
    ], corners_data, target=TARGET)
    assert calls == [5]  # one search of the five samples serves every map
    assert list(maps) == ["hit", "distance", "metric", "metric_reduction_parameter=std",
                          "bmus_data_return_indices=True"]
    assert torch.equal(maps["hit"], build_hit_map(corners_som, corners_data))
    assert dict(maps["bmus_data_return_indices=True"]) == {
        (0, 0): [0, 2], (0, 1): [4], (1, 0): [1], (1, 1): [3]}


@pytest.mark.parametrize(("configs", "error", "match"), [
    ({"type": "hit"}, TypeError, "must be a list of dicts"),
    ([{"kind": "hit"}], ValueError, r"map_configs\[0\] must be a dict with a 'type' key"),
    ([{"type": "hit", "extra": 1}], ValueError, "unknown key"),
    ([{"type": "hit", "kwargs": 3}], TypeError, r"\['kwargs'\] must be a dict"),
    ([{"type": "hit"}, {"type": "hit"}], ValueError, r"map_configs\[1\] repeats the map 'hit'"),
    ([{"type": "rank"}], ValueError, "requires target"),
])
def test_malformed_configs_are_refused(corners_som, corners_data, configs, error,
                                       match) -> None:
    with pytest.raises(error, match=match):
        build_multiple_maps(corners_som, configs, corners_data)
