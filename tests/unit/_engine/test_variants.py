"""The online and masked rules run in one in-memory fit; the scale-out paths refuse them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchsom import SOM

DATA = torch.randn(60, 4, generator=torch.Generator().manual_seed(0))


def holes() -> torch.Tensor:
    data = DATA.clone()
    data[::7, 1] = float("nan")
    return data


def test_online_fit_with_checkpoint_is_refused(tmp_path):
    som = SOM(x=3, y=3, num_features=4, epochs=2, algorithm="online", random_seed=0)
    before = som.weights.detach().clone()
    path = tmp_path / "fit.ckpt"
    with pytest.raises(ValueError, match="checkpoints and distributed fits support the "
                       "minibatch and batch rules on complete data.*algorithm='online'"):
        som.fit(DATA, verbose=False, checkpoint=path)
    assert torch.equal(som.weights, before)  # rolled back, nothing trained
    assert not path.exists()


def test_masked_fit_with_checkpoint_is_refused(tmp_path):
    som = SOM(x=3, y=3, num_features=4, epochs=2, missing_values="ignore", random_seed=0)
    with pytest.raises(ValueError, match="complete data.*missing values"):
        som.fit(holes(), verbose=False, checkpoint=tmp_path / "fit.ckpt")
    # the same map fits the same data without a checkpoint, and complete data with one
    q_list, _ = som.fit(holes(), verbose=False)
    assert len(q_list) == 2 and all(np.isfinite(q_list))
    q_list, _ = som.fit(DATA, verbose=False, checkpoint=tmp_path / "fit.ckpt")
    assert (tmp_path / "fit.ckpt").exists() and len(q_list) == 2


def test_online_partial_fit_and_streams_are_refused():
    som = SOM(x=3, y=3, num_features=4, epochs=2, algorithm="online", random_seed=0)
    with pytest.raises(ValueError, match="algorithm='online' trains on in-memory data"):
        som.partial_fit(DATA, n_samples=60)
    batches = [DATA[:30], DATA[30:]]
    with pytest.raises(ValueError, match="algorithm='online' trains on in-memory data"):
        som.fit(batches, verbose=False)


@pytest.mark.parametrize("algorithm", ["minibatch", "batch", "online"])
def test_in_memory_variants_train(algorithm):
    som = SOM(x=3, y=3, num_features=4, epochs=3, algorithm=algorithm,
              missing_values="ignore", random_seed=0, sigma=1.0)
    start = som.quantization_error(holes())
    q_list, t_list = som.fit(holes(), verbose=False)
    assert len(q_list) == len(t_list) == 3
    assert bool(torch.isfinite(som.weights).all())
    assert som.quantization_error(holes()) < start


def test_settings_changed_to_the_new_rules_are_accepted():
    som = SOM(x=3, y=3, num_features=4, epochs=2, random_seed=0)
    som.algorithm, som.missing_values, som.max_missing_fraction = "online", "ignore", 0.5
    q_list, _ = som.fit(holes(), verbose=False)  # validate_settings lets them through
    assert len(q_list) == 2 and bool(torch.isfinite(som.weights).all())
