"""partial_fit: a schedule over the samples seen, equal to fit on the same batches."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch
from small_maps import F, small_som

DATA = torch.randn(480, F, generator=torch.Generator().manual_seed(0))
BATCHES = list(torch.split(DATA, 96))  # 5 batches: one epoch


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
@pytest.mark.parametrize("distance", ["euclidean", "manhattan"])
def test_partial_fit_equals_fit_on_the_same_batches_in_the_same_order(algorithm, distance):
    """fit over a re-iterable of batches uses them as given (no shuffling), one pass per
    epoch; partial_fit on the same batches, epoch after epoch, is the same run."""
    fitted, streamed = small_som(algorithm=algorithm, distance_function=distance), small_som(
        algorithm=algorithm, distance_function=distance)
    q_list, t_list = fitted.fit(BATCHES, verbose=False)
    for _ in range(3):
        for number, batch in enumerate(BATCHES):
            assert streamed.partial_fit(batch, n_samples=480 if number == 0 else None) \
                is streamed
    assert torch.equal(streamed.weights, fitted.weights)
    assert streamed.quantization_errors_ == q_list
    assert streamed.topographic_errors_ == t_list
    assert streamed.epochs_trained_ == 3


def test_partial_fit_in_fits_shuffled_order_matches_an_in_memory_fit() -> None:
    """An in-memory fit draws ``torch.randperm(n, generator=som._generator)`` per epoch;
    feeding those orders through partial_fit gives the same map (the reference point, the
    first batch's mean instead of the data mean, changes only the rounding)."""
    fitted, streamed = small_som(), small_som()
    generator = copy.deepcopy(fitted._generator)
    fitted.fit(DATA, verbose=False)
    for _ in range(3):
        order = torch.randperm(480, generator=generator)
        streamed.partial_fit(DATA[order[:240]], n_samples=480)
        streamed.partial_fit(DATA[order[240:]])
    torch.testing.assert_close(streamed.weights, fitted.weights, rtol=1e-5, atol=1e-5)


def test_the_schedule_advances_with_the_samples_seen() -> None:
    som = small_som(algorithm="batch")
    before = som.weights.clone()
    som.partial_fit(DATA[:300], n_samples=480)  # the batch rule moves once per epoch
    assert torch.equal(som.weights, before) and som.epochs_trained_ == 0
    som.partial_fit(DATA[300:])
    assert not torch.equal(som.weights, before) and som.epochs_trained_ == 1
    for _ in range(3):  # past the map's epochs the last schedule step stays
        som.partial_fit(DATA)
    assert som.epochs_trained_ == 4 and len(som.quantization_errors_) == 4


def test_the_last_epoch_values_stay_after_the_schedule() -> None:
    """A 3-epoch map fed 5 epochs of samples evaluates its schedules at t = 0, 1, 2, 2, 2."""
    seen = []

    def recording(value, t, epochs):
        seen.append(t)
        return value / (1.0 + t)

    som = small_som(lr_decay_function=recording)
    stream = DATA.repeat(3, 1)
    som.partial_fit(stream[:100], n_samples=240)
    for start in range(100, 1200, 100):
        som.partial_fit(stream[start : start + 100])
    assert seen == [0, 1, 2, 2, 2] and som.epochs_trained_ == 5


def test_n_samples_is_required_first_and_consistent_after() -> None:
    som = small_som()
    with pytest.raises(ValueError, match="n_samples=<samples per epoch> on its first call"):
        som.partial_fit(BATCHES[0])
    som.partial_fit(BATCHES[0], n_samples=480)
    with pytest.raises(ValueError, match="n_samples=100 differs from the n_samples=480"):
        som.partial_fit(BATCHES[1], n_samples=100)
    with pytest.raises(ValueError, match="n_samples"):
        small_som().partial_fit(BATCHES[0], n_samples=0)


def test_a_bad_batch_leaves_the_map_and_the_position_as_before() -> None:
    som, twin = small_som(), small_som()
    som.partial_fit(BATCHES[0], n_samples=480)
    twin.partial_fit(BATCHES[0], n_samples=480)
    bad = BATCHES[1].clone()
    bad[3, 0] = float("nan")
    with pytest.raises(ValueError, match="batch contains 1 NaN"):
        som.partial_fit(bad)
    with pytest.raises(ValueError, match="batch must have 4 features"):
        som.partial_fit(torch.zeros(5, F + 1))
    for batch in BATCHES[1:]:
        som.partial_fit(batch)
        twin.partial_fit(batch)
    assert torch.equal(som.weights, twin.weights)
    assert som.quantization_errors_ == twin.quantization_errors_


def test_an_interrupted_call_is_undone() -> None:
    som, twin = small_som(), small_som()
    for m in (som, twin):
        m.partial_fit(BATCHES[0], n_samples=480)
    real = som._partial.run.rule.step
    calls = {"count": 0}

    def flaky(*args):
        calls["count"] += 1
        if calls["count"] == 3:
            raise KeyboardInterrupt
        return real(*args)

    som._partial.run.rule.step = flaky
    before = som.weights.clone()
    with pytest.raises(KeyboardInterrupt):
        som.partial_fit(BATCHES[1])
    assert torch.equal(som.weights, before)
    som._partial.run.rule.step = real
    for batch in BATCHES[1:]:
        som.partial_fit(batch)
        twin.partial_fit(batch)
    assert torch.equal(som.weights, twin.weights)


@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_a_call_that_fails_after_an_epoch_boundary_is_undone(algorithm) -> None:
    """The failed call ends epoch 0 and starts epoch 1 before it stops: the map, the
    statistics and the schedule go back to the middle of epoch 0."""
    som, twin = small_som(algorithm=algorithm), small_som(algorithm=algorithm)
    for m in (som, twin):
        m.partial_fit(DATA[:400], n_samples=480)
    real = som._partial.run.rule.step
    calls = {"count": 0}

    def flaky(*args):
        calls["count"] += 1
        if calls["count"] == (7 if algorithm == "minibatch" else 2):
            raise RuntimeError("stop")
        return real(*args)

    som._partial.run.rule.step = flaky
    with pytest.raises(RuntimeError, match="stop"):
        som.partial_fit(DATA[:200])  # 80 samples end epoch 0, the rest start epoch 1
    som._partial.run.rule.step = real
    assert som.epochs_trained_ == 0 and som._partial.run.epoch == 0
    for m in (som, twin):
        m.partial_fit(DATA[:200])
        m.partial_fit(DATA[200:480])
    assert torch.equal(som.weights, twin.weights)
    assert som.quantization_errors_ == twin.quantization_errors_


def test_fit_and_initialize_weights_start_a_new_schedule() -> None:
    som = small_som()
    som.partial_fit(BATCHES[0], n_samples=480)
    som.initialize_weights(DATA)
    with pytest.raises(ValueError, match="first call"):
        som.partial_fit(BATCHES[0])
    som.partial_fit(BATCHES[0], n_samples=480)
    som.fit(DATA, verbose=False)
    with pytest.raises(ValueError, match="first call"):
        som.partial_fit(BATCHES[0])


def test_weights_set_between_calls_are_trained_from() -> None:
    som = small_som()
    som.partial_fit(BATCHES[0], n_samples=480)
    with torch.no_grad():
        som.weights.zero_()
    som.partial_fit(BATCHES[1])
    assert som.weights.abs().max() < DATA.abs().max()  # moved from zero, not from before
    assert som._partial.run.seen == 192


def test_a_map_with_a_running_partial_fit_pickles() -> None:
    som = small_som()
    som.partial_fit(BATCHES[0], n_samples=480)
    clone = pickle.loads(pickle.dumps(som))
    assert torch.equal(clone.weights, som.weights)
    with pytest.raises(ValueError, match="first call"):
        clone.partial_fit(BATCHES[1])
