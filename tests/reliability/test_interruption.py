"""Interrupted training: an exception or KeyboardInterrupt during fit leaves a usable map.

Documented behaviour (docs/reliability.md): the weights and the random generator go back
to what they were before the call, the history is not extended, and a second call gives
exactly what an uninterrupted call would have given.
"""

from __future__ import annotations

import copy
import signal

import pytest
import torch

from torchsom import SOM
from torchsom.functional.decay import asymptotic_decay
from torchsom.functional.distances import DISTANCE_FUNCTIONS
from torchsom.functional.neighborhood import gaussian

DATA = torch.randn(40, 3, generator=torch.Generator().manual_seed(2))


class Tripwire:
    """Counts calls and raises ``error`` on call number ``at`` (only once)."""

    def __init__(self, fn, at: int, error: BaseException) -> None:
        self.fn, self.at, self.error, self.calls, self.armed = fn, at, error, 0, True
        self.__name__ = "tripwire"

    def __call__(self, *args):
        self.calls += 1
        if self.armed and self.calls == self.at:
            self.armed = False
            raise self.error
        return self.fn(*args)

    def disarmed(self) -> Tripwire:
        """The same wrapper that never raises (so the twin takes the same code path)."""
        twin = Tripwire(self.fn, self.at, self.error)
        twin.armed = False
        return twin


def _pair(**kwargs) -> tuple[SOM, SOM]:
    """A map with a tripwire and an identical twin without one."""
    settings = dict(x=4, y=4, num_features=3, epochs=4, batch_size=8, device="cpu")
    settings.update(kwargs)
    som = SOM(**settings)
    som.initialize_weights(DATA)
    plain = {k: (v.disarmed() if isinstance(v, Tripwire) else v) for k, v in settings.items()}
    twin = SOM(**plain)
    twin.initialize_weights(DATA)
    assert torch.equal(som.weights, twin.weights)
    return som, twin


def _check_rolled_back(som: SOM, twin: SOM, weights: torch.Tensor, state: torch.Tensor) -> None:
    assert torch.equal(som.weights, weights)
    assert torch.equal(som._generator.get_state(), state)
    assert som.quantization_errors_ == [] and som.topographic_errors_ == []
    assert som.epochs_trained_ == 0
    # the map is usable as it is ...
    assert som.identify_bmus(DATA).shape == (40, 2)
    assert som.quantization_error(DATA) >= 0
    # ... and fitting again gives exactly the uninterrupted result
    got = som.fit(DATA, verbose=False)
    want = twin.fit(DATA, verbose=False)
    assert got == want
    assert torch.equal(som.weights, twin.weights)
    assert som.epochs_trained_ == twin.epochs_trained_ == 4


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("boom")])
@pytest.mark.parametrize("epoch", [1, 3, 4])
@pytest.mark.parametrize("algorithm", ["minibatch", "batch"])
def test_decay_raising_mid_training(error, epoch: int, algorithm: str) -> None:
    # the schedule is evaluated once per epoch: call ``epoch`` starts epoch ``epoch - 1``
    wire = Tripwire(asymptotic_decay, epoch, error)
    som, twin = _pair(lr_decay_function=wire, algorithm=algorithm)
    weights, state = som.weights.clone(), som._generator.get_state()
    with pytest.raises(type(error)):
        som.fit(DATA, verbose=False)
    _check_rolled_back(som, twin, weights, state)


@pytest.mark.parametrize("call", [1, 7, 14])
def test_distance_raising_mid_epoch(call: int) -> None:
    # 40 samples in batches of 8: 5 searches per epoch, so calls 7 and 14 fall after
    # several weight updates
    wire = Tripwire(DISTANCE_FUNCTIONS["euclidean"], call, KeyboardInterrupt())
    som, twin = _pair(distance_function=wire)
    weights, state = som.weights.clone(), som._generator.get_state()
    with pytest.raises(KeyboardInterrupt):
        som.fit(DATA, verbose=False)
    assert wire.calls == call
    _check_rolled_back(som, twin, weights, state)


def test_neighborhood_raising() -> None:
    wire = Tripwire(gaussian, 3, ValueError("bad kernel"))
    som, twin = _pair(neighborhood_function=wire)
    weights, state = som.weights.clone(), som._generator.get_state()
    with pytest.raises(ValueError, match="bad kernel"):
        som.fit(DATA, verbose=False)
    _check_rolled_back(som, twin, weights, state)


def test_real_sigint_signal() -> None:
    def interrupting_decay(value, t, max_iter):
        if t == 2 and not getattr(interrupting_decay, "fired", False):
            interrupting_decay.fired = True
            signal.raise_signal(signal.SIGINT)
        return asymptotic_decay(value, t, max_iter)

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not mapped to KeyboardInterrupt here")
    som, twin = _pair(sigma_decay_function=interrupting_decay)
    twin.sigma_decay_function = twin.sigma_decay_fn = asymptotic_decay  # never interrupts
    weights, state = som.weights.clone(), som._generator.get_state()
    with pytest.raises(KeyboardInterrupt):
        som.fit(DATA, verbose=False)
    _check_rolled_back(som, twin, weights, state)


def test_interrupting_a_second_fit_keeps_the_first() -> None:
    wire = Tripwire(asymptotic_decay, 6, KeyboardInterrupt())
    som, twin = _pair(lr_decay_function=wire)
    first = som.fit(DATA, verbose=False)  # calls 1-4
    twin.fit(DATA, verbose=False)
    after_first = som.weights.clone()
    with pytest.raises(KeyboardInterrupt):
        som.fit(DATA, verbose=False)  # call 6 is epoch 2 of the second fit
    assert torch.equal(som.weights, after_first)
    assert som.quantization_errors_ == first[0] and som.epochs_trained_ == 4
    som.fit(DATA, verbose=False)
    twin.fit(DATA, verbose=False)
    assert torch.equal(som.weights, twin.weights)
    assert som.quantization_errors_ == twin.quantization_errors_


def test_divergence_is_reported_and_rolled_back() -> None:
    som = SOM(3, 3, 3, learning_rate=1e37, batch_size=1, epochs=2, device="cpu")
    som.initialize_weights(DATA)
    weights, state = som.weights.clone(), som._generator.get_state()
    with pytest.raises(FloatingPointError, match="non-finite weights.*learning_rate"):
        som.fit(DATA * 1e3, verbose=False)
    assert torch.equal(som.weights, weights)
    assert torch.equal(som._generator.get_state(), state)
    assert som.epochs_trained_ == 0
    som.learning_rate = 0.5
    som.fit(DATA, verbose=False)
    assert torch.isfinite(som.weights).all()


def test_interrupted_fit_with_progress_bar(capsys) -> None:
    wire = Tripwire(asymptotic_decay, 2, KeyboardInterrupt())
    som, twin = _pair(lr_decay_function=wire)
    weights, state = som.weights.clone(), som._generator.get_state()
    with pytest.raises(KeyboardInterrupt):
        som.fit(DATA, verbose=True)
    capsys.readouterr()
    _check_rolled_back(som, twin, weights, state)


def test_interrupted_copy_is_independent() -> None:
    wire = Tripwire(asymptotic_decay, 2, KeyboardInterrupt())
    som, _ = _pair(lr_decay_function=wire)
    untouched = copy.deepcopy(som)
    with pytest.raises(KeyboardInterrupt):
        som.fit(DATA, verbose=False)
    assert torch.equal(som.weights, untouched.weights)
