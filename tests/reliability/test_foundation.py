"""Foundation corners that the behaviour tests do not reach: optional imports, registries,
config validation, device checks, the kernels' slow paths and small io branches."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from pydantic import ValidationError

from torchsom import SOM
from torchsom import io as som_io
from torchsom._optional import import_optional, is_available
from torchsom._registry import Registry, check_choice, closest_match
from torchsom._validation import as_data, as_target, resolve_device
from torchsom.configs import SOMConfig
from torchsom.exceptions import InvalidParameterError
from torchsom.functional import initialization, smoothing
from torchsom.functional.neighborhood import NEIGHBORHOOD_FUNCTIONS, gaussian_axis_factor
from torchsom.functional.smoothing import GridIndex, GridKernel
from torchsom.topology.coordinates import grid_periods, grid_positions
from torchsom.topology.neighbors import neighbor_table


# ---------------------------------------------------------------------------- optional imports
def test_is_available() -> None:
    assert is_available("json")
    assert not is_available("torchsom_no_such_module")
    assert not is_available(".relative")  # find_spec raises: reported as unavailable


def test_import_optional() -> None:
    assert import_optional("json", "JSON output").dumps([1]) == "[1]"
    with pytest.raises(ImportError, match=r"Fancy plots needs the optional package "
                       r"'torchsom_no_such_module'.*pip install "
                       r"\"torchsom\[torchsom_no_such_module\]\""):
        import_optional("torchsom_no_such_module", "Fancy plots")


@pytest.mark.skipif(is_available("faiss"), reason="needs a machine without faiss")
def test_import_optional_names_the_extra() -> None:
    with pytest.raises(ImportError, match=r'pip install "torchsom\[faiss\]"'):
        import_optional("faiss", "The FAISS backend")


# ---------------------------------------------------------------------------- registries
def test_registry_is_a_read_only_mapping() -> None:
    registry = Registry("colour function", {"red": abs, "blue": round})
    assert repr(registry) == "Registry('colour function', ['blue', 'red'])"
    assert len(registry) == 2 and sorted(registry) == ["blue", "red"]
    assert registry["red"] is abs
    assert registry.resolve("colour", "blue") is round
    assert registry.resolve("colour", max) is max  # callables pass straight through
    with pytest.raises(InvalidParameterError, match=r"colour='rde' is not valid; expected one "
                       r"of 'blue', 'red'. Did you mean 'red'\?"):
        registry.resolve("colour", "rde")
    with pytest.raises(TypeError):
        registry["green"] = min  # type: ignore[index]


def test_choice_helpers() -> None:
    assert closest_match(3, ["a"]) is None
    assert closest_match("zzz", ["abc"]) is None
    with pytest.raises(InvalidParameterError, match=r"^Lead: mode=None is not valid"):
        check_choice("mode", None, ("a",), "Lead")


# ---------------------------------------------------------------------------- configuration
def test_som_config_round_trip_and_errors() -> None:
    config = SOMConfig(x=3, y=4, num_features=2, topology="hexagonal", device="cpu")
    som = SOM.from_config(config, epochs=2)
    assert (som.x, som.y, som.topology, som.epochs) == (3, 4, "hexagonal", 2)
    assert SOM.from_config(config.model_dump()).get_params()["topology"] == "hexagonal"
    with pytest.raises(ValidationError, match=r"topology='hex' is not valid"):
        SOMConfig(x=3, y=4, topology="hex")
    with pytest.raises(ValidationError, match=r"colour"):
        SOMConfig(x=3, y=4, colour="red")
    with pytest.raises(ValidationError, match=r"x"):
        SOMConfig(x=0, y=4)


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize("device", ["meta", torch.device("meta")])
def test_unsupported_device_types(device) -> None:
    with pytest.raises(InvalidParameterError, match=r"device must be 'cpu' or 'cuda'; got .* "
                       r"\(type 'meta'\)"):
        resolve_device(device)


def test_resolve_device_default_and_cpu() -> None:
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(None) == ("cuda" if torch.cuda.is_available() else "cpu")


def test_as_data_without_1d_and_with_dtype() -> None:
    with pytest.raises(ValueError, match=r"data must have shape \(n_samples, num_features\); "
                       r"got 1-D"):
        as_data(torch.zeros(3), allow_1d=False)
    out = as_data([[1, 2]], dtype=torch.float64)
    assert out.dtype == torch.float64 and out.shape == (1, 2)


def test_as_target_kinds() -> None:
    ints = as_target([1, 2, 3], n_samples=3)
    assert ints.dtype == torch.int64
    floats = as_target(torch.tensor([1.0, 2.0], dtype=torch.float64), n_samples=2)
    assert floats.dtype == torch.float64  # targets keep their values exactly
    halves = as_target(torch.tensor([1.0, 2.0], dtype=torch.float16), n_samples=2)
    assert halves.dtype == torch.float32
    assert as_target(torch.zeros(2, 3), n_samples=2).shape == (2, 3)
    with pytest.raises(ValueError, match=r"labels has 2 entries but data has 3 samples"):
        as_target([1, 2], n_samples=3, name="labels")


# ---------------------------------------------------------------------------- kernels
def test_gaussian_axis_factor_matches_the_kernel() -> None:
    delta = torch.linspace(-3, 3, 13)
    full = NEIGHBORHOOD_FUNCTIONS["gaussian"](delta * delta, 1.3)
    assert torch.allclose(gaussian_axis_factor(delta, 1.3), full)


def test_neighborhood_old_call_form() -> None:
    table = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    out = NEIGHBORHOOD_FUNCTIONS["bubble"](table, torch.tensor([1]), 1.0, 1, 2)
    assert out.shape == (1, 1, 2) and out.tolist() == [[[1.0, 1.0]]]
    with pytest.raises(TypeError, match=r"takes \(dist_sq, sigma\)"):
        NEIGHBORHOOD_FUNCTIONS["bubble"](table, 1, 2)


@pytest.mark.parametrize("pbc", [False, True])
def test_rectangular_gaussian_rows_without_lookup_tables(monkeypatch, pbc: bool) -> None:
    x, y = 5, 7
    row, col = grid_positions(x, y)
    positions = torch.stack((row.reshape(-1), col.reshape(-1)), 1)
    periods = grid_periods(x, y, "rectangular") if pbc else None
    grid = GridIndex(x, y, "rectangular", positions, periods)
    bmu = torch.tensor([0, 6, 34, 17])
    fast = GridKernel(grid, NEIGHBORHOOD_FUNCTIONS["gaussian"], 1.7).rows(bmu)
    monkeypatch.setattr(smoothing, "_TABLE_LIMIT", 0)  # what very large grids do
    slow_kernel = GridKernel(grid, NEIGHBORHOOD_FUNCTIONS["gaussian"], 1.7)
    assert slow_kernel.axis_rows is None
    assert torch.allclose(slow_kernel.rows(bmu), fast, atol=1e-6)


def test_neighbor_table_without_neighbours() -> None:
    table = neighbor_table(2, 3, "rectangular", 0, pbc=False)
    assert table.shape == (6, 0) and table.dtype == torch.long


def test_functional_initialize_weights() -> None:
    data = torch.randn(30, 3, generator=torch.Generator().manual_seed(0))
    template = torch.zeros(4, 5, 3)
    pca = initialization.initialize_weights(template, data, mode="pca", topology="hexagonal")
    assert pca.shape == (4, 5, 3) and torch.isfinite(pca).all()
    random = initialization.initialize_weights(template, data, mode="random")
    assert random.shape == (4, 5, 3)
    # every random neuron is one of the samples
    assert all(bool((data == w).all(1).any()) for w in random.reshape(-1, 3))
    with pytest.raises(ValueError, match="PCA initialization needs at least 2 features"):
        initialization.initialize_weights(template[..., :1], data[:, :1], mode="pca")
    with pytest.raises(ValueError):
        initialization.initialize_weights(template, data, mode="kmeans")


# ---------------------------------------------------------------------------- io corners
def test_save_refuses_non_floating_weights(tmp_path: Path) -> None:
    som = SOM(2, 2, 3, device="cpu")
    som.weights = torch.nn.Parameter(torch.zeros(2, 2, 3, dtype=torch.int32),
                                     requires_grad=False)
    with pytest.raises(ValueError, match=r"weights have dtype torch.int32"):
        som.save(tmp_path / "m.som")


def test_load_som_defaults_to_the_som_class(tmp_path: Path) -> None:
    som = SOM(2, 3, 3, device="cpu")
    som_io.save_som(som, tmp_path / "m.som")
    loaded = som_io.load_som(tmp_path / "m.som")
    assert type(loaded) is SOM and torch.equal(loaded.weights, som.weights)
    assert math.isclose(loaded.sigma, som.sigma)


def test_compat_neighborhood_module() -> None:
    from torchsom.utils import neighborhood

    assert neighborhood.NEIGHBORHOOD_FUNCTIONS is NEIGHBORHOOD_FUNCTIONS
