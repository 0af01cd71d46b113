"""A trained map saved with its scaler, columns, clusters and target."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom import SOM
from torchsom.cli.errors import CLIError
from torchsom.cli.model_file import (
    METADATA_KEY,
    FittedModel,
    TargetModel,
    class_names,
    classify_target,
    read_info,
)
from torchsom.cli.scaling import Scaler
from torchsom.io import read_metadata, save_som


def _som() -> SOM:
    som = SOM(x=2, y=3, num_features=2, epochs=2, random_seed=0, device="cpu")
    som.fit(torch.rand(20, 2, generator=torch.Generator().manual_seed(0)), verbose=False)
    return som


def test_io_keeps_free_form_metadata(tmp_path) -> None:
    som = _som()
    save_som(som, tmp_path / "m.som", metadata={"a": [1, 2.5, None], "b": {"c": "d"}})
    assert read_metadata(tmp_path / "m.som")["metadata"] == {"a": [1, 2.5, None],
                                                            "b": {"c": "d"}}
    save_som(som, tmp_path / "plain.som")
    assert read_metadata(tmp_path / "plain.som")["metadata"] == {}
    with pytest.raises(TypeError, match="metadata must be a dict"):
        save_som(som, tmp_path / "x.som", metadata=[1])
    with pytest.raises(TypeError, match="only JSON values"):
        save_som(som, tmp_path / "x.som", metadata={"a": float("nan")})
    with pytest.raises(TypeError, match="only JSON values"):
        save_som(som, tmp_path / "x.som", metadata={"a": object()})
    assert not (tmp_path / "x.som").exists()


def test_round_trip(tmp_path) -> None:
    som = _som()
    scaler = Scaler("standard", np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    target = TargetModel("t", "classes", ["a", "b"], np.array([0, 1, 1, 0, 0, 1.0]))
    model = FittedModel(som, ["u", "v"], scaler, np.array([1, 1, 2, 2, 1, 2]), target,
                        {"data": "d.csv", "rows": 20})
    model.save(tmp_path / "m.som")
    again = FittedModel.load(tmp_path / "m.som")
    assert again.feature_names == ["u", "v"] and again.training == {"data": "d.csv",
                                                                   "rows": 20}
    np.testing.assert_array_equal(again.scaler.scale, [3.0, 4.0])
    np.testing.assert_array_equal(again.clusters, [1, 1, 2, 2, 1, 2])
    assert again.target.classes == ["a", "b"]
    torch.testing.assert_close(again.som.weights, som.weights)
    info = read_info(tmp_path / "m.som")
    assert info["cli"]["feature_names"] == ["u", "v"] and info["config"]["x"] == 2


def test_load_errors(tmp_path) -> None:
    with pytest.raises(CLIError, match="no such file"):
        FittedModel.load(tmp_path / "none.som")
    with pytest.raises(CLIError, match="no such file"):
        read_info(tmp_path / "none.som")
    (tmp_path / "junk.som").write_bytes(b"not a map at all")
    with pytest.raises(CLIError, match="not a torchsom map file"):
        FittedModel.load(tmp_path / "junk.som")
    with pytest.raises(CLIError, match="not a torchsom map file"):
        read_info(tmp_path / "junk.som")
    som = _som()
    save_som(som, tmp_path / "bad.som", metadata={METADATA_KEY: {
        "feature_names": ["only one"], "scaler": {}}})
    with pytest.raises(CLIError, match="names 1 features but its map has 2"):
        FittedModel.load(tmp_path / "bad.som")
    save_som(som, tmp_path / "bad2.som", metadata={METADATA_KEY: {
        "feature_names": ["a", "b"], "clusters": [1, 2],
        "scaler": Scaler.fit("none", np.zeros((2, 2))).to_dict()}})
    with pytest.raises(CLIError, match="clusters do not fit its map"):
        FittedModel.load(tmp_path / "bad2.som")


def test_target_kinds() -> None:
    assert classify_target(np.array(["a", "b"], dtype=object)) == "classes"
    assert classify_target(np.array([0.0, 1.0, 2.0, 1.0])) == "classes"
    assert classify_target(np.array([0.5, 1.0])) == "values"
    assert classify_target(np.arange(50.0)) == "values"
    assert class_names(np.array([1.0, 2.5])).tolist() == ["1", "2.5"]


def test_target_classes_vote_and_empty_neurons_copy_their_nearest() -> None:
    codebook = np.array([[0.0], [1.0], [10.0], [11.0]])
    target = np.array(["x", "x", "y", "z", "z", "z"], dtype=object)
    bmus = np.array([0, 0, 0, 3, 3, 3])
    model = TargetModel.fit("t", target, bmus, codebook)
    assert model.classes == ["x", "y", "z"]
    assert model.predict(np.arange(4)).tolist() == ["x", "x", "z", "z"]
    raw = TargetModel.fit("t", target, bmus, codebook, fill_empty=False)
    assert np.isnan(raw.neuron_values[1:3]).all()


def test_target_values_average() -> None:
    codebook = np.array([[0.0], [5.0], [9.0]])
    model = TargetModel.fit("t", np.array([1.0, 3.0, 10.5]), np.array([0, 0, 2]), codebook)
    np.testing.assert_allclose(model.predict(np.arange(3)), [2.0, 10.5, 10.5])
    stored = TargetModel.from_dict(model.to_dict(), 3)
    np.testing.assert_array_equal(stored.neuron_values, model.neuron_values)
    with pytest.raises(CLIError, match="do not fit its map"):
        TargetModel.from_dict(model.to_dict(), 4)
    with pytest.raises(CLIError, match="malformed"):
        TargetModel.from_dict({"name": "t"}, 3)
