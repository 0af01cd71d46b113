"""SOM constructor: defaults, attributes, validation messages, global state."""

from __future__ import annotations

import warnings

import pytest
import torch

from torchsom import DECAY_FUNCTIONS, DISTANCE_FUNCTIONS, SOM, BaseSOM
from torchsom.configs import SOMConfig
from torchsom.exceptions import InvalidParameterError, TorchSOMWarning


def test_attributes_after_construction() -> None:
    som = SOM(x=4, y=3, num_features=2, device="cpu")
    assert isinstance(som, BaseSOM) and isinstance(som, torch.nn.Module)
    assert som.device == "cpu" and som.weights.device.type == som.device
    assert som.weights.shape == (4, 3, 2) and not som.weights.requires_grad
    assert torch.allclose(som.weights.norm(dim=-1), torch.ones(4, 3), atol=1e-5)
    assert som.distance_fn is DISTANCE_FUNCTIONS["euclidean"]
    assert som.lr_decay_fn == DECAY_FUNCTIONS["asymptotic_decay"]
    assert som.distance_fn_name == "euclidean" and som.neighborhood_fn_name == "gaussian"
    assert som.xx.shape == som.yy.shape == (4, 3)
    assert len(som.lr_schedule) == som.epochs == len(som.sigma_schedule)
    assert list(som.state_dict()) == ["weights"]
    assert len(som._neighbor_offsets) == 8
    assert som._VALID_RETRIEVAL_MODES == ("bmu_only", "bmu_neighborhood", "bmu_neighborhood_knn")


def test_hexagonal_offsets_aliases() -> None:
    som = SOM(x=4, y=4, num_features=2, topology="hexagonal", device="cpu")
    assert len(som._even_row_offsets) == len(som._odd_row_offsets) == 6


def test_schedules_follow_changed_settings() -> None:
    som = SOM(x=2, y=2, num_features=2, epochs=4, device="cpu")
    som.epochs = 7
    assert len(som.lr_schedule) == 7
    som.fit(torch.randn(10, 2), verbose=False)


def test_coord_distances_sq_is_symmetric_and_wraps() -> None:
    som = SOM(x=6, y=6, num_features=2, pbc=True, device="cpu")
    d = som.coord_distances_sq
    assert d.shape == (36, 36) and torch.allclose(d, d.T) and bool((d.diagonal() == 0).all())
    assert float(d[0, 35]) == pytest.approx(2.0)  # corners are diagonal neighbours on a torus


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"x": 0}, r"x must be an int >= 1; got 0"),
        ({"y": -2}, r"y must be an int >= 1; got -2"),
        ({"x": 2.5}, r"x must be an int >= 1; got 2.5 of type float"),
        ({"num_features": 0}, r"num_features must be an int >= 1"),
        ({"epochs": 0}, r"epochs must be an int >= 1; got 0"),
        ({"batch_size": 0}, r"batch_size must be an int >= 1"),
        ({"sigma": 0}, r"sigma must be a finite real number > 0; got 0"),
        ({"sigma": float("nan")}, r"sigma must be a finite real number > 0"),
        ({"learning_rate": -1.0}, r"learning_rate must be a finite real number > 0"),
        ({"learning_rate": "0.5"}, r"learning_rate must be a real number > 0; got '0.5'"),
        ({"neighborhood_order": 0}, r"neighborhood_order must be an int >= 1"),
        ({"topology": "square"}, r"Only hexagonal and rectangular topologies are supported"),
        ({"lr_decay_function": "fast"}, r"Invalid learning rate decay function"),
        ({"sigma_decay_function": "fast"}, r"Invalid sigma decay function"),
        ({"distance_function": "euclidian"},
         r"Invalid distance function.*'euclidian'.*Did you mean 'euclidean'\?"),
        ({"neighborhood_function": "gauss"}, r"Invalid neighborhood function.*'gaussian'"),
        ({"search_backend": "gpu"}, r"search_backend='gpu' is not valid.*'auto', 'faiss', 'torch'"),
        ({"initialization_mode": "grid"}, r"initialization_mode='grid'.*'pca', 'random'"),
        ({"algorithm": "sgd"}, r"algorithm='sgd'.*'batch', 'minibatch', 'online'"),
        ({"pbc": "yes"}, r"pbc must be True or False; got 'yes'"),
        ({"random_seed": -1}, r"random_seed must be an int >= 0"),
        ({"device": "tpu"}, r"device must be"),
        ({"topology": "hexagonal", "pbc": True, "x": 5}, r"even number of rows"),
        ({"neighborhood_function": "mexican_hat", "algorithm": "batch"}, r"mexican_hat.*batch"),
    ],
)
def test_invalid_hyperparameters_are_named(kwargs: dict, pattern: str) -> None:
    base = {"x": 4, "y": 4, "num_features": 2, "device": "cpu"}
    base.update(kwargs)
    with pytest.raises(InvalidParameterError, match=pattern) as info:
        SOM(**base)
    assert isinstance(info.value, ValueError)


def test_unavailable_cuda_is_a_clear_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(InvalidParameterError, match="CUDA is not available"):
        SOM(x=2, y=2, num_features=2, device="cuda")
    assert SOM(x=2, y=2, num_features=2).device == "cpu"  # None resolves to what exists


def test_sigma_too_high_warns_once() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SOM(x=3, y=3, num_features=2, sigma=10.0, device="cpu")
    hits = [w for w in caught if "sigma might be too high" in str(w.message)]
    assert len(hits) == 1 and issubclass(hits[0].category, TorchSOMWarning)


def test_callables_are_accepted_for_every_option() -> None:
    def flat(d2: torch.Tensor, sigma: float) -> torch.Tensor:
        return (d2 <= sigma * sigma).float()

    def const(v: float, t: int, T: int) -> float:
        return v

    som = SOM(x=3, y=3, num_features=2, neighborhood_function=flat, lr_decay_function=const,
              sigma_decay_function=const, distance_function=DISTANCE_FUNCTIONS["manhattan"],
              device="cpu")
    assert som.neighborhood_fn_name == "flat"
    q, _ = som.fit(torch.randn(20, 2), verbose=False)
    assert len(q) == 10


def test_construction_and_fit_leave_global_rng_alone() -> None:
    state = torch.get_rng_state()
    som = SOM(x=5, y=4, num_features=3, random_seed=7, device="cpu")
    data = torch.arange(60.0).reshape(20, 3) / 60
    som.initialize_weights(data, mode="random")
    som.fit(data, verbose=False)
    assert torch.equal(state, torch.get_rng_state())


def test_same_seed_same_map_different_seed_different_map() -> None:
    data = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))

    def train(seed: int) -> torch.Tensor:
        som = SOM(x=4, y=4, num_features=3, random_seed=seed, epochs=3, device="cpu")
        som.initialize_weights(data, mode="random")
        som.fit(data, verbose=False)
        return som.weights.detach().clone()

    assert torch.equal(train(3), train(3))
    assert not torch.equal(train(3), train(4))


def test_config_round_trip_and_validation() -> None:
    cfg = SOMConfig(x=3, y=7, num_features=2, device="cpu")
    assert "x=3" in repr(cfg) and "y=7" in repr(cfg)
    som = SOM.from_config(cfg, epochs=3)
    assert (som.x, som.y, som.epochs) == (3, 7, 3)
    assert som.get_params()["num_features"] == 2
    for bad in ({"x": 0}, {"epochs": 0}, {"sigma": 0}, {"topology": "ring"}, {"colour": 1}):
        with pytest.raises(ValueError):
            SOMConfig(**{"x": 3, "y": 3, **bad})
    assert SOM.from_config({"x": 2, "y": 2, "num_features": 1, "device": "cpu"}).x == 2


def test_set_neighborhood_order() -> None:
    som = SOM(x=5, y=5, num_features=2, device="cpu")
    som.set_neighborhood_order(2)
    assert som.neighborhood_order == 2 and len(som._neighbor_offsets) == 24
    with pytest.raises(ValueError, match="neighborhood_order must be >= 1, got 0"):
        som.set_neighborhood_order(0)
    with pytest.raises(ValueError, match=r"got 1.5; expected an int >= 1"):
        som.set_neighborhood_order(1.5)


def test_to_moves_every_buffer_and_updates_device() -> None:
    som = SOM(x=2, y=3, num_features=2, device="cpu")
    moved = som.to(torch.float64)
    assert moved is som and som.xx.dtype == torch.float64 and som.device == "cpu"
    names = {name for name, _ in som.named_buffers()}
    assert {"xx", "yy", "_positions"} <= names
