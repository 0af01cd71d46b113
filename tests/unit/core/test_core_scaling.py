"""What fit and partial_fit need beyond one in-memory run: the fit options, the training
settings a checkpoint is checked against, and partial_fit's running state."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from torchsom import SOM
from torchsom.core.scaling import FitOptions, PartialFit, training_settings

DATA = torch.randn(40, 3, generator=torch.Generator().manual_seed(2))


@pytest.mark.parametrize(
    ("options", "error", "pattern"),
    [
        ({"checkpoint": 3}, TypeError,
         r"^checkpoint must be a file path \(str or os.PathLike\); got 3\.$"),
        ({"checkpoint": ""}, TypeError, r"^checkpoint must be a file path"),
        ({"checkpoint": b"fit.ckpt"}, TypeError, r"^checkpoint must be a file path"),
        ({"checkpoint_every": 2}, ValueError,
         r"^checkpoint_every needs checkpoint=<path> \(where to write\)\.$"),
        ({"checkpoint": "fit.ckpt", "checkpoint_every": 0}, ValueError,
         r"^checkpoint_every must be an int >= 1; got 0"),
        ({"resume": True}, ValueError, r"^resume=True resumes from checkpoint=<path>"),
        ({"resume": 7}, TypeError, r"^resume must be a file path"),
        ({"distributed": 1}, TypeError, r"^distributed must be True or False; got 1\.$"),
        ({"process_group": object()}, ValueError,
         r"^process_group is used by distributed fits; pass distributed=True as well\.$"),
    ],
)
def test_fit_options_name_the_bad_option(options: dict, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        FitOptions(**options)


def test_only_checkpoints_resumes_and_distributed_fits_are_active(tmp_path: Path) -> None:
    assert not FitOptions().active
    assert not FitOptions(n_samples=10, resume=False).active
    assert FitOptions(checkpoint=tmp_path / "a.ckpt").active
    assert FitOptions(resume=tmp_path / "a.ckpt").active
    assert FitOptions(distributed=True).active


def test_resume_path(tmp_path: Path) -> None:
    path = tmp_path / "fit.ckpt"
    # resume=True with no checkpoint written yet starts from scratch
    assert FitOptions(checkpoint=path, resume=True).resume_path() is None
    path.write_bytes(b"")
    assert FitOptions(checkpoint=path, resume=True).resume_path() == path
    assert FitOptions(resume=path).resume_path() == path
    assert FitOptions(resume=False).resume_path() is None
    with pytest.raises(FileNotFoundError, match=r"^resume: no checkpoint at '.*other.ckpt'"):
        FitOptions(resume=tmp_path / "other.ckpt").resume_path()


def test_training_settings_name_functions_and_the_dtype() -> None:
    def my_decay(value: float, t: int, max_iter: int) -> float:
        return value

    som = SOM(3, 2, 3, sigma=1.5, lr_decay_function=my_decay, device="cpu")
    settings = training_settings(som)
    assert settings["sigma"] == "1.5" and settings["x"] == "3"
    assert settings["lr_decay_function"] == "'my_decay'"
    assert settings["distance_function"] == "'euclidean'"
    assert settings["dtype"] == "torch.float32"
    assert training_settings(som.double())["dtype"] == "torch.float64"
    # what does not change training (the device, the search, the seed) is not compared
    assert not {"device", "search_backend", "random_seed"} & set(settings)


def test_partial_fit_state_counts_epochs_by_samples_seen() -> None:
    som = SOM(3, 3, 3, epochs=4, batch_size=5, device="cpu", random_seed=0)
    som.initialize_weights(DATA)
    state = PartialFit(som, n_samples=20, first=DATA[:10])
    for start in range(0, 40, 10):  # two epochs of 20 samples, in four batches
        state.feed(som, DATA[start:start + 10])
    assert som.epochs_trained_ == 2 and len(som.quantization_errors_) == 2
    assert torch.equal(state.codebook, som.weights.detach().reshape(9, 3))


def test_a_failed_batch_leaves_map_and_run_as_before() -> None:
    som = SOM(3, 3, 3, epochs=2, batch_size=5, device="cpu", random_seed=0)
    som.initialize_weights(DATA)
    state = PartialFit(som, n_samples=20, first=DATA[:10])
    state.feed(som, DATA[:10])
    before = som.weights.detach().clone()
    with pytest.raises(FloatingPointError):
        state.feed(som, DATA[10:20] * 1e30)  # diverges: non-finite weights
    assert torch.equal(som.weights, before)
    state.feed(som, DATA[10:20])
    twin = SOM(3, 3, 3, epochs=2, batch_size=5, device="cpu", random_seed=0)
    twin.initialize_weights(DATA)
    twin_state = PartialFit(twin, n_samples=20, first=DATA[:10])
    twin_state.feed(twin, DATA[:10])
    twin_state.feed(twin, DATA[10:20])
    assert torch.equal(som.weights, twin.weights)
