"""BMU search backends: torch brute force, FAISS, the factory and index freshness."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch
from torch import nn

import torchsom.search as search_module
from torchsom import SOM
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.search import TorchBruteForceSearch, create_search_strategy

METRICS = ["euclidean", "cosine", "manhattan", "chebyshev"]
PAIRWISE = {
    "euclidean": lambda a, b: torch.cdist(a, b),
    "manhattan": lambda a, b: torch.cdist(a, b, p=1),
    "chebyshev": lambda a, b: torch.cdist(a, b, p=float("inf")),
    "cosine": lambda a, b: 1 - (a / a.norm(dim=1, keepdim=True)) @ (b / b.norm(dim=1,
                                                                               keepdim=True)).T,
}


def _random(shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------------------- torch
@pytest.mark.parametrize("metric", METRICS)
def test_torch_search_is_exact_top_k_for_every_metric(metric):
    data, weights = _random((50, 5), 0), _random((4, 6, 5), 1)
    dist, idx = TorchBruteForceSearch(DISTANCE_FUNCTIONS[metric]).search(data, weights, k=3)
    full = PAIRWISE[metric](data, weights.reshape(24, 5))
    expected = full.sort(dim=1)
    assert dist.shape == idx.shape == (50, 3) and idx.dtype == torch.int64
    assert torch.equal(idx, expected.indices[:, :3])
    torch.testing.assert_close(dist, expected.values[:, :3], atol=1e-5, rtol=1e-5)


def test_torch_search_on_a_hand_made_codebook():
    weights = torch.tensor([[[0.0, 0.0], [3.0, 4.0]], [[6.0, 8.0], [-3.0, -4.0]]])
    dist, idx = TorchBruteForceSearch(DISTANCE_FUNCTIONS["euclidean"]).search(
        torch.tensor([[0.0, 0.0], [3.0, 4.5]]), weights, k=2)
    assert idx.tolist() == [[0, 1], [1, 2]]
    torch.testing.assert_close(dist, torch.tensor([[0.0, 5.0], [0.5, 21.25 ** 0.5]]))


def test_torch_search_accepts_a_user_distance():
    def doubled_l1(data, weights):
        flat = weights.reshape(-1, weights.shape[-1])
        return 2 * torch.cdist(data, flat, p=1).reshape(data.shape[0], *weights.shape[:2])

    data, weights = _random((20, 3), 2), _random((3, 3, 3), 3)
    dist, idx = TorchBruteForceSearch(doubled_l1).search(data, weights)
    expected = (2 * torch.cdist(data, weights.reshape(9, 3), p=1)).min(dim=1)
    assert torch.equal(idx[:, 0], expected.indices)
    torch.testing.assert_close(dist[:, 0], expected.values)


def test_search_rejects_k_larger_than_the_map():
    with pytest.raises(ValueError, match=r"k must be <= the number of neurons \(4\)"):
        TorchBruteForceSearch(DISTANCE_FUNCTIONS["euclidean"]).search(
            torch.zeros(1, 2), torch.zeros(2, 2, 2), k=5)


def test_bmu_search_strategy_is_abstract():
    with pytest.raises(TypeError):
        search_module.BMUSearchStrategy()


# ---------------------------------------------------------------------------- factory
def test_utils_search_is_the_same_module():
    import torchsom.utils.search as legacy

    assert legacy is search_module
    from torchsom.utils.search import FAISSSearch, create_search_strategy  # noqa: F401


def test_factory_torch_and_unknown_backend():
    fn = DISTANCE_FUNCTIONS["euclidean"]
    assert create_search_strategy("torch", fn, "euclidean", 100).name == "torch"
    with pytest.raises(ValueError, match="search_backend='gpu' is not valid"):
        create_search_strategy("gpu", fn, "euclidean", 100)


def test_missing_faiss_gives_an_install_hint(monkeypatch):
    import torchsom.utils.search as legacy

    monkeypatch.setattr(legacy, "FAISS_AVAILABLE", False)
    monkeypatch.setattr(legacy, "faiss", None)
    with pytest.raises(ImportError, match=r'faiss is required.*pip install "torchsom\[faiss\]"'):
        SOM(3, 3, 2, search_backend="faiss", device="cpu")
    with pytest.raises(ImportError, match=r'pip install "torchsom\[faiss\]"'):
        search_module.FAISSSearch(DISTANCE_FUNCTIONS["euclidean"], "euclidean")
    som = SOM(3, 3, 2, search_backend="auto", device="cpu")
    assert som.search_backend_ == "torch"


def test_auto_without_faiss_is_torch(monkeypatch):
    monkeypatch.setattr(search_module, "FAISS_AVAILABLE", False)
    for features in (2, 64):
        assert SOM(4, 4, features, device="cpu").search_backend_ == "torch"


# ---------------------------------------------------------------------------- faiss
@pytest.fixture()
def faiss_module():
    return pytest.importorskip("faiss")


@pytest.mark.parametrize("metric", METRICS)
def test_faiss_agrees_with_torch(faiss_module, metric):
    data, weights = _random((300, 6), 4), _random((7, 5, 6), 5)
    fn = DISTANCE_FUNCTIONS[metric]
    fast = search_module.FAISSSearch(fn, metric)
    dist_t, idx_t = TorchBruteForceSearch(fn).search(data, weights, k=4)
    dist_f, idx_f = fast.search(data, weights, k=4)
    assert torch.equal(idx_f, idx_t)
    torch.testing.assert_close(dist_f, dist_t, atol=1e-5, rtol=1e-4)  # same units


def test_faiss_euclidean_distances_are_not_squared(faiss_module):
    weights = torch.tensor([[[0.0, 0.0], [30.0, 40.0]]])
    dist, idx = search_module.FAISSSearch(DISTANCE_FUNCTIONS["euclidean"], "euclidean").search(
        torch.tensor([[3.0, 4.0], [30.0, 40.001]]), weights)
    assert idx[:, 0].tolist() == [0, 1]
    torch.testing.assert_close(dist[:, 0], torch.tensor([5.0, 0.001]), atol=1e-6, rtol=1e-4)


def test_faiss_with_a_user_distance_falls_back_to_torch(faiss_module):
    def l1(data, weights):
        flat = weights.reshape(-1, weights.shape[-1])
        return torch.cdist(data, flat, p=1).reshape(data.shape[0], *weights.shape[:2])

    data, weights = _random((40, 3), 6), _random((3, 4, 3), 7)
    fast = search_module.FAISSSearch(l1, "l1")
    assert torch.equal(fast.search(data, weights)[1], TorchBruteForceSearch(l1).search(
        data, weights)[1])


def test_faiss_ivf_with_every_cell_probed_is_exact(faiss_module):
    data, weights = _random((200, 4), 8), _random((16, 16, 4), 9)
    fn = DISTANCE_FUNCTIONS["euclidean"]
    ivf = search_module.FAISSSearch(fn, "euclidean", index_type="ivf", nprobe=1000)
    assert torch.equal(ivf.search(data, weights)[1], TorchBruteForceSearch(fn).search(
        data, weights)[1])
    with pytest.raises(ValueError, match="index_type='hnsw'"):
        search_module.FAISSSearch(fn, "euclidean", index_type="hnsw")


def test_auto_picks_faiss_only_where_measured_faster(faiss_module):
    assert SOM(5, 5, 8, device="cpu").search_backend_ == "faiss"
    assert SOM(5, 5, 32, device="cpu").search_backend_ == "faiss"
    assert SOM(5, 5, 64, device="cpu").search_backend_ == "torch"
    assert SOM(5, 5, 8, device="cpu", distance_function="cosine").search_backend_ == "torch"
    assert SOM(5, 5, 8, device="cpu", search_backend="torch").search_backend_ == "torch"
    assert SOM(5, 5, 64, device="cpu", search_backend="faiss").search_backend_ == "faiss"


def _faiss_som(seed=0):
    som = SOM(6, 6, 3, search_backend="faiss", device="cpu", random_seed=seed)
    assert som.search_backend_ == "faiss"
    return som


def _torch_bmus(som, data):
    _, idx = TorchBruteForceSearch(som.distance_fn).search(data, som.weights.detach())
    return torch.stack((idx[:, 0] // som.y, idx[:, 0] % som.y), 1)


def test_faiss_index_is_refreshed_after_initialize_weights(faiss_module):
    data = _random((500, 3), 10)
    som = _faiss_som()
    before = som.identify_bmus(data)  # builds the index on the random start codebook
    som.initialize_weights(data * 5 + 3, mode="random")
    after = som.identify_bmus(data)
    assert torch.equal(after, _torch_bmus(som, data))
    assert not torch.equal(after, before)


def test_faiss_index_follows_every_kind_of_weight_change(faiss_module):
    data = _random((300, 3), 11)
    som = _faiss_som()
    som.identify_bmus(data)
    # load_state_dict
    other = SOM(6, 6, 3, device="cpu", random_seed=99)
    other.initialize_weights(data, mode="pca")
    som.load_state_dict(other.state_dict())
    assert torch.equal(som.identify_bmus(data), _torch_bmus(som, data))
    # in-place edit through .data (no version bump)
    som.weights.data[...] = _random((6, 6, 3), 12)
    assert torch.equal(som.identify_bmus(data), _torch_bmus(som, data))
    # a new Parameter
    som.weights = nn.Parameter(_random((6, 6, 3), 13), requires_grad=False)
    assert torch.equal(som.identify_bmus(data), _torch_bmus(som, data))
    # training
    som.epochs = 2
    som.fit(data, verbose=False)
    assert torch.equal(som.identify_bmus(data), _torch_bmus(som, data))


def test_faiss_som_can_be_copied_and_pickled(faiss_module):
    data = _random((100, 3), 14)
    som = _faiss_som()
    som.identify_bmus(data)
    for clone in (copy.deepcopy(som), pickle.loads(pickle.dumps(som))):
        assert clone.search_backend_ == "faiss"
        assert torch.equal(clone.identify_bmus(data), som.identify_bmus(data))


def test_maps_built_with_faiss_match_torch(faiss_module):
    data = _random((400, 3), 15)
    target = (data[:, 0] > 0).long()
    fast, exact = _faiss_som(), SOM(6, 6, 3, search_backend="torch", device="cpu")
    exact.load_state_dict(fast.state_dict())
    for map_type in ("hit", "classification"):
        torch.testing.assert_close(fast.build_map(map_type, data=data, target=target),
                                   exact.build_map(map_type, data=data, target=target),
                                   equal_nan=True)


def test_faiss_strategy_pickles_without_its_index(faiss_module):
    data, weights = _random((30, 3), 16), _random((4, 4, 3), 17)
    fast = search_module.FAISSSearch(DISTANCE_FUNCTIONS["euclidean"], "euclidean")
    expected = fast.search(data, weights)
    clone = pickle.loads(pickle.dumps(fast))
    assert clone._index is None
    got = clone.search(data, weights)
    assert torch.equal(got[1], expected[1])


def test_torch_strategy_pickles():
    data, weights = _random((30, 3), 18), _random((4, 4, 3), 19)
    exact = TorchBruteForceSearch(DISTANCE_FUNCTIONS["cosine"])
    clone = pickle.loads(pickle.dumps(exact))
    assert clone.distance_fn is DISTANCE_FUNCTIONS["cosine"]
    assert torch.equal(clone.search(data, weights)[1], exact.search(data, weights)[1])
