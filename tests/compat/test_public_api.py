"""The 1.x public surface: import paths, names and return types."""

from __future__ import annotations

import importlib

import pytest


def test_top_level_names() -> None:
    import torchsom

    for name in ("SOM", "BaseSOM", "SOMVisualizer", "VisualizationConfig",
                 "DISTANCE_FUNCTIONS", "NEIGHBORHOOD_FUNCTIONS", "DECAY_FUNCTIONS"):
        assert name in torchsom.__all__ and getattr(torchsom, name) is not None
    assert isinstance(torchsom.__version__, str) and torchsom.__version__.count(".") >= 2
    from torchsom.version import __version__

    assert __version__ == torchsom.__version__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        torchsom.nope  # noqa: B018


def test_module_paths() -> None:
    from torchsom.core import SOM as core_som
    from torchsom.core.base_som import BaseSOM
    from torchsom.core.som import SOM

    assert core_som is SOM and issubclass(SOM, BaseSOM)
    from torchsom.configs.som_config import SOMConfig

    assert SOMConfig.model_fields["x"].is_required()


# the constructor's defaults in 1.3 (reference, section 2); device's default moved from
# import time to construction (COMPATIBILITY.md)
DEFAULTS_1_3 = {
    "epochs": 10, "batch_size": 5, "sigma": 1.0, "learning_rate": 0.5,
    "neighborhood_order": 1, "topology": "rectangular", "lr_decay_function": "asymptotic_decay",
    "sigma_decay_function": "asymptotic_decay", "neighborhood_function": "gaussian",
    "distance_function": "euclidean", "initialization_mode": "random", "pbc": False,
    "search_backend": "auto", "random_seed": 42,
}


def test_constructor_keeps_the_1_3_signature_and_defaults() -> None:
    import inspect

    from torchsom import SOM

    params = list(inspect.signature(SOM).parameters.values())
    assert [p.name for p in params[:3]] == ["x", "y", "num_features"]
    assert [p.name for p in params[3:3 + len(DEFAULTS_1_3) + 1]] == [
        *list(DEFAULTS_1_3)[:-1], "device", "random_seed"]
    for param in params:
        if param.name in DEFAULTS_1_3:
            assert param.default == DEFAULTS_1_3[param.name], param.name


def test_utils_namespace_has_the_32_names() -> None:
    utils = importlib.import_module("torchsom.utils")
    assert len(utils.__all__) == 32
    for name in utils.__all__:
        assert getattr(utils, name) is not None, name


@pytest.mark.parametrize(
    "module,names",
    [
        ("torchsom.utils.decay", ["DECAY_FUNCTIONS"]),
        ("torchsom.utils.distances", ["DISTANCE_FUNCTIONS", "PAIRWISE_DISTANCE_FUNCTIONS"]),
        ("torchsom.utils.hexagonal_coordinates",
         ["offset_to_axial_coords", "axial_to_offset_coords", "axial_to_cube_coords",
          "cube_to_axial_coords", "hexagonal_distance_axial", "hexagonal_distance_offset",
          "grid_to_display_coords", "neighbors_offset", "neighbors_axial"]),
        ("torchsom.utils.clustering",
         ["cluster_data", "cluster_kmeans", "cluster_gmm", "extract_clustering_features",
          "_determine_optimal_k_elbow", "_determine_optimal_components_bic"]),
        ("torchsom.utils.search",
         ["FAISS_AVAILABLE", "BMUSearchStrategy", "FAISSSearch", "TorchBruteForceSearch",
          "create_search_strategy"]),
        ("torchsom.utils.topology",
         ["get_rectangular_offsets", "get_hexagonal_offsets", "get_all_neighbors_up_to_order"]),
        ("torchsom.utils.grid", ["create_mesh_grid", "adjust_meshgrid_topology"]),
        ("torchsom.utils.initialization", ["initialize_weights", "pca_init", "random_init"]),
    ],
)
def test_compat_modules(module: str, names: list[str]) -> None:
    mod = importlib.import_module(module)
    for name in names:
        assert hasattr(mod, name), f"{module}.{name}"


def test_hexagonal_neighbours_order_and_display_coordinates() -> None:
    from torchsom.utils.hexagonal_coordinates import (
        grid_to_display_coords,
        neighbors_axial,
        neighbors_offset,
    )

    assert neighbors_offset(2, 2) == [(1, 1), (1, 2), (2, 1), (2, 3), (3, 1), (3, 2)]
    assert neighbors_offset(1, 2) == [(0, 2), (0, 3), (1, 1), (1, 3), (2, 2), (2, 3)]
    assert neighbors_axial(0, 0) == [(1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1)]
    assert grid_to_display_coords(0, 1, hex_radius=2) == pytest.approx((2 * 3**0.5, 0.0))


def test_fit_and_cluster_return_types() -> None:
    import torch

    from torchsom import SOM

    data = torch.randn(60, 3, generator=torch.Generator().manual_seed(0))
    som = SOM(x=4, y=4, num_features=3, epochs=2, device="cpu")
    q, t = som.fit(data, verbose=False)
    assert isinstance(q, list) and isinstance(t, list)
    result = som.cluster(method="kmeans", n_clusters=2)
    assert {"labels", "centers", "n_clusters", "method", "metrics", "feature_space",
            "original_data"} <= set(result)
    assert int(result["labels"].min()) >= 1


@pytest.mark.parametrize("caught", [RuntimeError, ValueError])
def test_a_feature_count_mismatch_in_fit_is_still_a_runtime_error(caught) -> None:
    """1.3 failed inside torch with a RuntimeError (reference, section 3.2); code written
    for it catches that, code written for this package catches ValueError."""
    import torch

    from torchsom import SOM

    som = SOM(x=3, y=3, num_features=4, device="cpu")
    before = som.weights.detach().clone()
    with pytest.raises(caught, match="must have 4 features"):
        som.fit(torch.rand(20, 5), verbose=False)
    assert torch.equal(som.weights.detach(), before)
    with pytest.raises(caught):
        som.quantization_error(torch.rand(20, 3))
