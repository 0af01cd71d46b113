"""The map builders with the 1.x calling convention (SOM first) forward to
SOM.build_map."""

from __future__ import annotations

import torch


def test_compat_builders_forward_to_build_map(corners_som, corners_data):
    from torchsom.utils import maps as legacy

    target = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    bmus = legacy.build_bmus_data_map(corners_som, corners_data, return_indices=True)
    assert bmus == corners_som.build_map("bmus_data", data=corners_data, return_indices=True)
    assert torch.equal(legacy.build_hit_map(corners_som, corners_data),
                       corners_som.build_map("hit", data=corners_data))
    assert torch.equal(legacy.build_distance_map(corners_som, scaling="mean"),
                       corners_som.build_map("distance", scaling="mean"))
    for name, kwargs in [("metric", {"reduction_parameter": "max"}), ("score", {}),
                         ("rank", {}), ("classification", {"neighborhood_order": 1})]:
        built = legacy.MAP_FUNCTIONS[name](corners_som, target, bmus, **kwargs)
        expected = corners_som.build_map(name, target=target, bmus_data_map=bmus, **kwargs)
        torch.testing.assert_close(built, expected, equal_nan=True)
    assert set(legacy.MAP_FUNCTIONS) == {"hit", "distance", "bmus_data", "metric", "score",
                                         "rank", "classification"}
