"""What a saved SOM holds and how a map is rebuilt: settings, weights, history, generator."""

from __future__ import annotations

import ast
import inspect
import json
import math

import pytest
import torch

from torchsom import SOM
from torchsom.core import persistence
from torchsom.core.container import read_file
from torchsom.exceptions import InvalidParameterError


class TaggedSOM(SOM):
    """A subclass, to see that loading builds the class it is given."""


def _trained(**kw) -> SOM:
    som = SOM(3, 2, 2, epochs=2, sigma=0.8, device="cpu", search_backend="torch", **kw)
    som.fit(torch.rand(20, 2, generator=torch.Generator().manual_seed(1)), verbose=False)
    return som


def test_saved_entries(tmp_path) -> None:
    som = _trained()
    som.quantization_errors_[0] = math.nan
    path = tmp_path / "m.som"
    persistence.save_som(som, path, {"scaler": [1, 2]})
    meta, tensors = read_file(path)
    assert set(tensors) == {"weights", "generator_state"}
    assert torch.equal(tensors["weights"], som.weights.detach())
    assert meta["class"] == "SOM"
    config = json.loads(meta["config"])
    assert config["sigma"] == 0.8 and config["distance_function"] == "euclidean"
    assert json.loads(meta["history"])["quantization_errors_"][0] is None  # NaN as null
    assert json.loads(meta["user_metadata"]) == {"scaler": [1, 2]}


def test_load_builds_the_class_it_is_given_with_everything_restored(tmp_path) -> None:
    som = _trained()
    path = tmp_path / "m.som"
    persistence.save_som(som, path)
    loaded = persistence.load_som(path, "cpu", cls=TaggedSOM)
    assert type(loaded) is TaggedSOM
    assert torch.equal(loaded.weights, som.weights)
    assert loaded.get_params() == som.get_params()
    assert loaded.quantization_errors_ == som.quantization_errors_
    assert loaded.epochs_trained_ == som.epochs_trained_
    assert torch.equal(loaded.internals.generator.get_state(),
                       som.internals.generator.get_state())
    with pytest.raises(TypeError, match="cls"):
        persistence.load_som(path)  # the class is always the caller's choice


def test_read_metadata_without_building_the_map(tmp_path) -> None:
    path = tmp_path / "m.som"
    persistence.save_som(_trained(), path)
    info = persistence.read_metadata(path)
    assert info["weights_shape"] == (3, 2, 2) and info["metadata"] == {}
    assert info["config"]["x"] == 3 and info["history"]["epochs_trained_"] == 2


def test_extra_entries_cannot_replace_the_standard_ones(tmp_path) -> None:
    som = _trained()
    with pytest.raises(ValueError, match="'checksum' must be a new key"):
        persistence.save_som(som, tmp_path / "m.som", extra_metadata={"checksum": "x"})
    with pytest.raises(ValueError, match="cannot replace the standard tensor 'weights'"):
        persistence.save_som(som, tmp_path / "m.som", extra_tensors={"weights": torch.ones(1)})


def test_a_custom_distance_cannot_be_saved(tmp_path) -> None:
    def mine(data, weights):
        return torch.cdist(data, weights.reshape(-1, weights.shape[-1])).reshape(
            data.shape[0], *weights.shape[:2])

    som = SOM(2, 2, 2, distance_function=mine, device="cpu")
    with pytest.raises(InvalidParameterError, match="custom callable"):
        persistence.save_som(som, tmp_path / "m.som")
    assert not any(tmp_path.iterdir())


def test_the_schema_never_imports_the_som_class() -> None:
    tree = ast.parse(inspect.getsource(persistence))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert "torchsom.core.som" not in imported and "torchsom.io" not in imported


def test_save_refuses_non_floating_weights(tmp_path) -> None:
    som = SOM(2, 2, 3, device="cpu")
    som.weights = torch.nn.Parameter(torch.zeros(2, 2, 3, dtype=torch.int32),
                                     requires_grad=False)
    with pytest.raises(ValueError, match=r"weights have dtype torch.int32"):
        som.save(tmp_path / "m.som")
    assert not (tmp_path / "m.som").exists()
