"""Per-row results, the cluster table and the quality measures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom.cli.analysis import (
    best_units,
    cluster_table,
    model_features,
    neuron_clusters,
    quality_measures,
    row_results,
    write_rows,
)
from torchsom.cli.errors import CLIError
from torchsom.cli.model_file import FittedModel
from torchsom.cli.scaling import Scaler
from torchsom.cli.tables import Table
from torchsom.cli.training import train_model


@pytest.fixture(scope="module")
def model() -> FittedModel:
    rng = np.random.default_rng(0)
    raw = np.concatenate([rng.normal(0, 1, (30, 3)), rng.normal(8, 1, (30, 3))])
    raw[:, 2] *= 100
    target = np.array(["low"] * 30 + ["high"] * 30, dtype=object)
    return train_model(raw, ["a", "b", "c"], {"x": 4, "y": 4, "epochs": 5, "device": "cpu",
                                              "initialization_mode": "pca"},
                       "standard", target=target, target_name="kind", verbose=False)


def _raw(n: int = 10) -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.concatenate([rng.normal(0, 1, (n, 3)), rng.normal(8, 1, (n, 3))]) * [1, 1, 100]


def test_best_units_agree_with_the_map(model) -> None:
    scaled = model.scaler.transform(_raw())
    bmus, distances = best_units(model.som, scaled)
    coords = model.som.identify_bmus(torch.tensor(scaled, dtype=torch.float32))
    assert (bmus == (coords[:, 0] * 4 + coords[:, 1]).numpy()).all()
    weights = model.som.weights.detach().reshape(16, 3).double().numpy()
    np.testing.assert_allclose(distances, np.linalg.norm(scaled - weights[bmus], axis=1),
                               atol=1e-5)  # float32 distances


def test_row_results_columns(model) -> None:
    raw = _raw()
    rows = row_results(model, model.scaler.transform(raw), np.array(["low"] * 20))
    assert list(rows) == ["row", "bmu_row", "bmu_col", "distance", "cluster", "prediction",
                          "kind"]
    assert rows["prediction"][:10].tolist() == ["low"] * 10
    assert rows["prediction"][10:].tolist() == ["high"] * 10
    assert set(rows["cluster"].tolist()) <= set(model.clusters.tolist())


def test_cluster_table_means_are_in_data_units(model) -> None:
    raw = _raw()
    bmus, _ = best_units(model.som, model.scaler.transform(raw))
    table = cluster_table(model, raw, bmus)
    assert sum(c["neurons"] for c in table) == 16 and sum(c["rows"] for c in table) == 20
    assert sum(c["share"] for c in table) == pytest.approx(1.0)
    labels = model.clusters[bmus]
    for c in table:
        mine = labels == c["cluster"]
        if mine.any():
            assert c["means"]["c"] == pytest.approx(raw[mine, 2].mean())
        assert -1 <= c["silhouette"] <= 1


def test_quality_measures_and_model_features(model, tmp_path) -> None:
    raw = _raw()
    measures = quality_measures(model.som, model.scaler.transform(raw))
    data = torch.tensor(model.scaler.transform(raw), dtype=torch.float32)
    assert measures["quantization error"] == pytest.approx(
        model.som.quantization_error(data), rel=1e-5)
    assert measures["topographic error (%)"] == pytest.approx(
        100 * model.som.topographic_error(data))
    assert list(measures) == ["quantization error", "topographic error (%)",
                              "trustworthiness", "continuity", "neighborhood preservation",
                              "topographic product", "distortion", "explained variance"]
    assert measures["explained variance"] == pytest.approx(
        model.som.evaluate(data)["explained_variance"])
    table = Table(tmp_path / "d.csv", ["c", "b", "a"],
                  {"c": raw[:, 2], "b": raw[:, 1], "a": raw[:, 0]})
    got_raw, scaled = model_features(model, table)
    np.testing.assert_array_equal(got_raw, raw)  # reordered to the model's features
    np.testing.assert_allclose(scaled, model.scaler.transform(raw))
    with pytest.raises(CLIError, match=r"lacks 1 of the model's 3 .*\('c'\)"):
        model_features(model, Table(tmp_path / "d.csv", ["a", "b"],
                                    {"a": raw[:, 0], "b": raw[:, 1]}))


def test_tiny_maps_have_no_clusters() -> None:
    from torchsom import SOM

    assert neuron_clusters(SOM(x=1, y=3, num_features=2, device="cpu")) is None
    som = SOM(x=1, y=1, num_features=2, device="cpu")
    model = FittedModel(som, ["a", "b"], Scaler.fit("none", np.zeros((1, 2))))
    assert cluster_table(model, np.zeros((3, 2)), np.zeros(3, dtype=np.int64)) == []
    assert list(quality_measures(som, np.zeros((3, 2)))) == ["quantization error"]


def test_write_rows(tmp_path, capsys) -> None:
    columns = {"row": np.arange(2), "d": np.array([0.123456789, 2.0]),
               "p": np.array(["a", "b"], dtype=object)}
    write_rows(tmp_path / "r.csv", columns)
    assert (tmp_path / "r.csv").read_text() == "row,d,p\n0,0.123457,a\n1,2,b\n"
    write_rows(None, columns)
    assert capsys.readouterr().out == "row,d,p\n0,0.123457,a\n1,2,b\n"
