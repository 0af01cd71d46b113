"""Learning-rate and sigma decay schedules by hand."""

from __future__ import annotations

import pytest

from torchsom.functional.decay import DECAY_FUNCTIONS, LR_DECAY_FUNCTIONS, SIGMA_DECAY_FUNCTIONS


def _schedule(fn, v0: float, epochs: int = 10) -> list[float]:
    return [fn(v0, t, epochs) for t in range(epochs)]


def test_decay_reference_values() -> None:
    assert _schedule(DECAY_FUNCTIONS["asymptotic_decay"], 0.5)[:5] == pytest.approx(
        [0.5, 0.4167, 0.3571, 0.3125, 0.2778], abs=1e-4
    )
    assert _schedule(DECAY_FUNCTIONS["asymptotic_decay"], 2.0)[-1] == pytest.approx(0.7143, 1e-3)
    assert _schedule(SIGMA_DECAY_FUNCTIONS["sig_inverse_decay_to_one"], 2.0) == pytest.approx(
        [2, 1.818, 1.667, 1.538, 1.429, 1.333, 1.25, 1.176, 1.111, 1.053], abs=1e-3
    )
    assert _schedule(SIGMA_DECAY_FUNCTIONS["sig_linear_decay_to_one"], 2.0) == pytest.approx(
        [2.0 - 0.1 * t for t in range(10)]
    )
    assert _schedule(LR_DECAY_FUNCTIONS["lr_linear_decay_to_zero"], 1.0)[-1] == pytest.approx(0.1)
    inverse = _schedule(LR_DECAY_FUNCTIONS["lr_inverse_decay_to_zero"], 0.5)
    assert inverse[:3] == pytest.approx([0.5, 0.5 * 0.1 / 1.1, 0.5 * 0.1 / 2.1])


def test_legacy_decay_union_holds_both_families() -> None:
    assert set(DECAY_FUNCTIONS) == set(LR_DECAY_FUNCTIONS) | set(SIGMA_DECAY_FUNCTIONS)
    assert len(DECAY_FUNCTIONS) == 5
    with pytest.raises(TypeError):
        DECAY_FUNCTIONS["new"] = lambda v, t, T: v  # type: ignore[index]
