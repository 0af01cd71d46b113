"""SOM.evaluate: every quality measure of a map (core/evaluation.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from torchsom import SOM
from torchsom.functional.quality import QUALITY_MEASURES, distortion

KEYS = ("quantization_error", "topographic_error", "trustworthiness", "continuity",
        "neighborhood_preservation", "topographic_product", "distortion",
        "explained_variance")


def _blobs(n: int = 300, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[0.0, 0.0, 0.0], [4.0, 0.0, 1.0], [0.0, 4.0, -1.0]])
    return centres[torch.arange(n) % 3] + 0.5 * torch.randn(n, 3, generator=gen)


def _trained(topology: str = "rectangular", pbc: bool = False, **kw) -> tuple[SOM, torch.Tensor]:
    data = _blobs()
    som = SOM(6, 6, 3, epochs=8, sigma=2.0, learning_rate=1.0, algorithm="batch",
              topology=topology, pbc=pbc, random_seed=0, device="cpu", **kw)
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    return som, data


@pytest.mark.parametrize("topology,pbc", [("rectangular", False), ("hexagonal", True)])
def test_evaluate_returns_every_measure_as_float(topology: str, pbc: bool) -> None:
    som, data = _trained(topology, pbc)
    report = som.evaluate(data)
    assert tuple(report) == KEYS == QUALITY_MEASURES
    assert all(isinstance(v, float) and math.isfinite(v) for v in report.values())
    assert report["quantization_error"] == pytest.approx(som.quantization_error(data))
    assert report["topographic_error"] == pytest.approx(som.topographic_error(data))
    for name in ("trustworthiness", "continuity", "neighborhood_preservation"):
        assert 0.0 <= report[name] <= 1.0
    assert report["explained_variance"] <= 1.0


def test_distortion_defaults_to_the_last_epoch_sigma() -> None:
    som, data = _trained()
    last = som.sigma_decay_fn(som.sigma, som.epochs - 1, som.epochs)
    report = som.evaluate(data)
    assert report.sigma == pytest.approx(last)
    assert report["distortion"] == pytest.approx(float(distortion(
        data, som.weights.detach(), last, som.neighborhood_fn)))
    wide = som.evaluate(data, sigma=3.0)
    assert wide.sigma == 3.0 and wide["distortion"] > report["distortion"]


def test_grid_measures_see_a_scrambled_grid() -> None:
    # the same codebook vectors on shuffled neurons: the measures of the codebook as a set
    # agree, the measures of its order on the grid all get worse (rank measures at k=20:
    # below about one neuron's share of samples, neighbours mostly share a BMU anyway)
    som, data = _trained()
    scrambled = SOM(6, 6, 3, sigma=2.0, random_seed=0, device="cpu")
    order = torch.randperm(36, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        scrambled.weights.copy_(som.weights.reshape(36, 3)[order].reshape(6, 6, 3))
    before, after = som.evaluate(data, k=20), scrambled.evaluate(data, k=20)
    for name in ("quantization_error", "explained_variance"):
        assert after[name] == pytest.approx(before[name])
    assert after["topographic_error"] > before["topographic_error"] + 0.3
    assert after["trustworthiness"] < before["trustworthiness"] - 0.1
    assert after["continuity"] < before["continuity"] - 0.1
    assert after["neighborhood_preservation"] < before["neighborhood_preservation"] - 0.1
    assert abs(after["topographic_product"]) > abs(before["topographic_product"])
    assert after["distortion"] > before["distortion"]


def test_large_data_runs_the_rank_measures_on_a_seeded_subsample() -> None:
    som, _ = _trained()
    data = _blobs(900, seed=1)
    report = som.evaluate(data, k=7, sample_size=300, random_state=3)
    assert (report.k, report.n_samples, report.rank_samples, report.subsampled) == (
        7, 900, 300, True)
    assert report == som.evaluate(data, k=7, sample_size=300, random_state=3)
    assert som.evaluate(data, k=7, sample_size=None).subsampled is False


def test_numpy_input_and_cosine_metric() -> None:
    som, data = _trained(distance_function="cosine")
    report = som.evaluate(data.numpy().astype(np.float64))
    assert report == som.evaluate(data)


def test_bad_input_is_rejected() -> None:
    som, data = _trained()
    with pytest.raises(ValueError, match=r"k=299 is too large.*n_samples - 2 = 298"):
        som.evaluate(data, k=299)
    holed = data.clone()
    holed[5, 2] = math.nan
    with pytest.raises(ValueError, match=r"data contains 1 NaN.*row 5"):
        som.evaluate(holed)
    with pytest.raises(ValueError, match=r"data is empty"):
        som.evaluate(torch.empty(0, 3))
    with pytest.raises(ValueError, match=r"data must have 3 features"):
        som.evaluate(data[:, :2])
    with pytest.raises(ValueError, match=r"sigma must be a finite real number > 0"):
        som.evaluate(data, sigma=-1.0)
    single = SOM(1, 1, 3, device="cpu")
    with pytest.raises(ValueError, match=r"at least 2 neurons; this map has x=1, y=1"):
        single.evaluate(data)


def test_the_documented_measurement_script_runs() -> None:
    # docs/quality.md quotes docs/scripts/quality_memory.py at 10⁶ samples; run it small
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "docs" / "scripts" / "quality_memory.py"
    spec = importlib.util.spec_from_file_location("quality_memory", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seconds, extra = module.main(3000)
    assert seconds > 0.0 and extra >= 0.0
