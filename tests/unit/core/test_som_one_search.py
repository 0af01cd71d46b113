"""Every question a built map answers about best-matching units goes through one search.

``identify_bmus``, ``quantization_error``, ``topographic_error``, ``evaluate``,
``assign_labels`` and the maps all ask the map's search backend, so a backend that is
not the exact brute-force search (FAISS, or any other) answers all of them alike.
"""

from __future__ import annotations

import pytest
import torch

from torchsom import SOM
from torchsom.functional.distances import euclidean_cross
from torchsom.functional.metrics import topographic_error_from_bmus
from torchsom.search import BMUSearchStrategy
from torchsom.topology.coordinates import adjacency_threshold


class SkipTheBest(BMUSearchStrategy):
    """A deliberately different search: the exact ranking without its first unit, so
    its "best" unit is the true second best. Counts its calls."""

    name = "skip-the-best"

    def __init__(self) -> None:
        self.calls = 0

    def search(self, data, weights, k=1):
        self.calls += 1
        codebook = weights.reshape(-1, weights.shape[-1])
        found = torch.cdist(data.double(), codebook.double()).topk(k + 1, largest=False)
        return found.values[:, 1:].to(data.dtype), found.indices[:, 1:]


def _map(topology: str = "rectangular") -> tuple[SOM, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    data = torch.randn(120, 3, generator=gen)
    som = SOM(5, 4, 3, epochs=3, sigma=1.5, topology=topology, random_seed=0, device="cpu",
              search_backend="torch")
    som.fit(data, verbose=False)
    som._search_strategy = SkipTheBest()
    return som, data


def _expected(som: SOM, data: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    codebook = som.weights.detach().reshape(-1, 3).double()
    found = torch.cdist(data.double(), codebook).topk(3, largest=False)
    return found.values[:, 1:], found.indices[:, 1:]


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_every_method_answers_from_the_map_search(topology: str) -> None:
    som, data = _map(topology)
    distances, units = _expected(som, data)
    coords = torch.stack((units[:, 0] // som.y, units[:, 0] % som.y), 1)
    qe = float(distances[:, 0].mean())
    te = float(topographic_error_from_bmus(units, som._positions,
                                           adjacency_threshold(topology), None))

    assert torch.equal(som.identify_bmus(data), coords)
    assert som.quantization_error(data) == pytest.approx(qe, rel=1e-6)
    assert som.topographic_error(data) == pytest.approx(te)
    report = som.evaluate(data)
    assert report["quantization_error"] == pytest.approx(qe, rel=1e-6)
    assert report["topographic_error"] == pytest.approx(te)
    labels = torch.arange(som.x * som.y)
    assert torch.equal(som.assign_labels(data, labels), units[:, 0])
    hits = som.build_map("hit", data=data)
    assert torch.equal(hits.reshape(-1).long(), torch.bincount(units[:, 0], minlength=20))
    assert som._search_strategy.calls >= 6


def test_the_exact_answer_differs_so_the_routing_is_what_is_tested() -> None:
    som, data = _map()
    exact = torch.cdist(data, som.weights.detach().reshape(-1, 3)).min(1).values.mean()
    assert som.quantization_error(data) > float(exact) * 1.05


def test_a_map_on_the_exact_search_agrees_with_the_functional_measures() -> None:
    from torchsom.functional import quality

    gen = torch.Generator().manual_seed(1)
    data = torch.randn(80, 3, generator=gen)
    som = SOM(4, 4, 3, epochs=2, random_seed=1, device="cpu", search_backend="torch")
    som.fit(data, verbose=False)
    weights = som.weights.detach()
    assert som.quantization_error(data) == pytest.approx(
        float(quality.quantization_error(data, weights, euclidean_cross)), rel=1e-6)
    assert som.topographic_error(data) == pytest.approx(
        float(quality.topographic_error(data, weights)))


def test_missing_values_are_searched_on_observed_features_by_every_method() -> None:
    gen = torch.Generator().manual_seed(2)
    data = torch.randn(60, 4, generator=gen)
    som = SOM(4, 3, 4, epochs=2, random_seed=0, device="cpu", missing_values="ignore",
              search_backend="torch")
    som.fit(data, verbose=False)
    holed = data.clone()
    holed[::3, 1] = float("nan")
    observed = ~torch.isnan(holed)
    codebook = som.weights.detach().reshape(-1, 4)
    diff = torch.where(observed.unsqueeze(1), holed.unsqueeze(1) - codebook, 0.0)
    scale = 4 / observed.sum(1, keepdim=True)
    distance = (diff.square().sum(-1) * scale).sqrt()
    best = distance.min(1)
    coords = som.identify_bmus(holed)
    assert torch.equal(coords[:, 0] * som.y + coords[:, 1], best.indices)
    assert som.quantization_error(holed) == pytest.approx(float(best.values.mean()), rel=1e-5)
