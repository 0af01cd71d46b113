"""The fit driver over data sources: epochs by pass and by sample count, bad sources."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from small_maps import F, small_som
from torch.utils.data import DataLoader, TensorDataset

DATA = torch.randn(600, F, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_memmap_fit_matches_the_in_memory_fit(tmp_path, algorithm) -> None:
    """The batch rule reads blocks in sequence and sums the same statistics; the
    mini-batch rule shuffles in blocks, so only its quality is comparable."""
    path = tmp_path / "data.npy"
    np.save(path, DATA.numpy())
    memory, stream = small_som(algorithm=algorithm), small_som(algorithm=algorithm)
    for som in (memory, stream):
        som.initialize_weights(DATA, mode="pca")
    q_memory, _ = memory.fit(DATA, verbose=False)
    q_stream, t_stream = stream.fit(np.load(path, mmap_mode="r"), verbose=False)
    assert len(q_stream) == len(t_stream) == 3
    if algorithm == "batch":
        torch.testing.assert_close(stream.weights, memory.weights, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(q_stream, q_memory, rtol=1e-5)
    else:
        assert stream.quantization_error(DATA) < 1.15 * memory.quantization_error(DATA)


def test_a_dataloader_and_a_factory_train_like_their_batches() -> None:
    batches = list(torch.split(DATA, 64))
    loader = DataLoader(TensorDataset(DATA, torch.zeros(600)), batch_size=64)
    a, b = small_som(), small_som()
    assert a.fit(loader, verbose=False) == b.fit(lambda: iter(batches), verbose=False)
    assert torch.equal(a.weights, b.weights)


def test_a_single_pass_iterator_spreads_the_epochs_by_sample_count() -> None:
    """A generator of 600 samples, 3 epochs: the schedule steps every 200 samples, like a
    fit whose passes are those 200-sample thirds."""
    thirds = list(torch.split(DATA, 200))
    a, b = small_som(), small_som()
    a.fit((chunk for chunk in thirds), n_samples=600, verbose=False)
    passes = iter(thirds)
    b.fit(lambda: [next(passes)], verbose=False)
    assert torch.equal(a.weights, b.weights)


def test_a_single_pass_iterator_must_hold_what_was_announced() -> None:
    som = small_som()
    before = som.weights.clone()
    with pytest.raises(ValueError, match="ended after 500 samples but n_samples=600"):
        som.fit(iter([DATA[:500]]), n_samples=600, verbose=False)
    with pytest.raises(ValueError, match=r"more than its n_samples=500.*chunk 1"):
        som.fit(iter([DATA[:500], DATA[500:]]), n_samples=500, verbose=False)
    with pytest.raises(ValueError, match="fewer than the map's epochs=3"):
        som.fit(iter([DATA[:2]]), n_samples=2, verbose=False)
    assert torch.equal(som.weights, before)


def test_a_reiterable_source_must_hold_what_was_announced() -> None:
    som = small_som()
    with pytest.raises(ValueError, match="yielded 600 samples in pass 0 but n_samples=500"):
        som.fit(lambda: [DATA], n_samples=500, verbose=False)


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_a_bad_chunk_midway_leaves_the_codebook_as_before(algorithm) -> None:
    bad = DATA[300:400].clone()
    bad[5, 2] = float("inf")
    calls = {"count": 0}

    def batches():
        calls["count"] += 1
        # the second pass meets the bad chunk
        return [DATA[:300], bad if calls["count"] == 2 else DATA[300:400], DATA[400:]]

    som = small_som(algorithm=algorithm)
    before, state = som.weights.clone(), som._generator.get_state()
    with pytest.raises(ValueError, match=r"chunk 1 of the callable \(after 300 samples\) "
                                         r"contains 1 inf.*row 5"):
        som.fit(batches, verbose=False)
    assert torch.equal(som.weights, before) and som.epochs_trained_ == 0
    assert torch.equal(som._generator.get_state(), state)
    with pytest.raises(ValueError, match="chunk 1 of the iterable .* 5 features"):
        som.fit([DATA[:10], torch.zeros(10, F + 1)], verbose=False)
    assert torch.equal(som.weights, before)


def test_an_empty_source_is_refused() -> None:
    with pytest.raises(ValueError, match="yielded no samples"):
        small_som().fit(lambda: [], verbose=False)
    calls = {"count": 0}

    def shrinking():
        calls["count"] += 1
        return [DATA] if calls["count"] == 1 else []

    with pytest.raises(ValueError, match="no samples in pass 1"):
        small_som().fit(shrinking, verbose=False)


def test_a_quiet_fit_builds_no_progress_bar_and_a_verbose_one_reports_each_epoch(
        monkeypatch) -> None:
    """Even a disabled tqdm bar costs ~14 ms on its first use (its write lock imports
    multiprocessing's synchronisation), so a quiet fit must not build one at all."""
    from torchsom._engine import driver

    bars = []

    class Bar:
        def __init__(self, **kwargs):
            self.kwargs, self.updates, self.closed, self.postfix = kwargs, 0, False, None
            bars.append(self)

        def update(self, count):
            self.updates += count

        def set_postfix(self, refresh=True, **values):
            self.postfix = values

        def close(self):
            self.closed = True

    monkeypatch.setattr(driver, "tqdm", Bar)
    small_som().fit(DATA, verbose=False)
    assert bars == []
    small_som().fit(DATA, verbose=True)
    (bar,) = bars
    assert bar.kwargs["total"] == 3 and bar.updates == 3 and bar.closed
    assert set(bar.postfix) == {"QE", "TE"}
