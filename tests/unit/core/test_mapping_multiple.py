"""build_multiple_maps: one search, deterministic keys, every map type."""

from __future__ import annotations

import pytest
import torch

from torchsom.core.mapping import BMUMap

TARGET = torch.tensor([1.0, 2.0, 1.0, 0.0, 2.0])


def test_multiple_maps_match_single_builds(corners_som, corners_data):
    configs = [
        {"type": "hit"},
        {"type": "distance", "kwargs": {"scaling": "mean"}},
        {"type": "bmus_data"},
        {"type": "bmus_data", "kwargs": {"return_indices": True}},
        {"type": "metric", "kwargs": {"reduction_parameter": "std"}},
        {"type": "metric"},
        {"type": "score"},
        {"type": "rank", "kwargs": {}},
        {"type": "classification", "kwargs": {"neighborhood_order": 1}},
    ]
    maps = corners_som.build_multiple_maps(configs, corners_data, target=TARGET, batch_size=2)
    assert list(maps) == [
        "hit",
        "distance_scaling=mean",
        "bmus_data",
        "bmus_data_return_indices=True",
        "metric_reduction_parameter=std",
        "metric",
        "score",
        "rank",
        "classification_neighborhood_order=1",
    ]
    single = corners_som.build_map
    assert torch.equal(maps["hit"], single("hit", data=corners_data))
    assert torch.equal(maps["distance_scaling=mean"], single("distance", scaling="mean"))
    assert isinstance(maps["bmus_data"], BMUMap)
    assert maps["bmus_data"].indices == single("bmus_data", data=corners_data).indices
    assert maps["bmus_data_return_indices=True"] == single("bmus_data", data=corners_data,
                                                           return_indices=True)
    for key, map_type, kwargs in [
        ("metric_reduction_parameter=std", "metric", {"reduction_parameter": "std"}),
        ("metric", "metric", {}),
        ("score", "score", {}),
        ("rank", "rank", {}),
        ("classification_neighborhood_order=1", "classification", {"neighborhood_order": 1}),
    ]:
        expected = single(map_type, data=corners_data, target=TARGET, **kwargs)
        torch.testing.assert_close(maps[key], expected, equal_nan=True)


def test_multiple_maps_keys_do_not_depend_on_kwarg_order(corners_som, corners_data):
    a = corners_som.build_multiple_maps(
        [{"type": "distance", "kwargs": {"scaling": "mean", "neighborhood_order": 1}}],
        corners_data)
    b = corners_som.build_multiple_maps(
        [{"type": "distance", "kwargs": {"neighborhood_order": 1, "scaling": "mean"}}],
        corners_data)
    assert list(a) == list(b) == ["distance_neighborhood_order=1_scaling=mean"]


def test_multiple_maps_distance_only_needs_no_valid_data(corners_som):
    maps = corners_som.build_multiple_maps([{"type": "distance"}], data=None)
    assert torch.equal(maps["distance"], corners_som.build_map("distance"))


def test_multiple_maps_rejects_bad_configs(corners_som, corners_data):
    with pytest.raises(ValueError, match="requires target parameter"):
        corners_som.build_multiple_maps([{"type": "rank"}], corners_data)
    with pytest.raises(ValueError, match="repeats the map 'hit'"):
        corners_som.build_multiple_maps([{"type": "hit"}, {"type": "hit"}], corners_data)
    with pytest.raises(ValueError, match=r"map_configs\[0\] must be a dict with a 'type'"):
        corners_som.build_multiple_maps([{"kwargs": {}}], corners_data)
    with pytest.raises(ValueError, match="unknown key"):
        corners_som.build_multiple_maps([{"type": "hit", "options": 1}], corners_data)
    with pytest.raises(ValueError, match="Invalid map_type 'umatrix'"):
        corners_som.build_multiple_maps([{"type": "umatrix"}], corners_data)
    with pytest.raises(TypeError, match="'reduction'"):
        corners_som.build_multiple_maps(
            [{"type": "metric", "kwargs": {"reduction": "std"}}], corners_data, target=TARGET)
    with pytest.raises(TypeError, match="map_configs must be a list"):
        corners_som.build_multiple_maps({"type": "hit"}, corners_data)
