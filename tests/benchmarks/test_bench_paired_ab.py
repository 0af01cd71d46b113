"""benchmarks/paired_ab.py: the paired A/B of one engine setting."""

from __future__ import annotations

import pytest
import torch

import torchsom.functional.update as update
from benchmarks import paired_ab


def test_values_are_literals_or_shifts() -> None:
    assert paired_ab.parse_value("1 << 16") == 65536
    assert paired_ab.parse_value("2.5") == 2.5
    assert paired_ab.parse_value("False") is False
    with pytest.raises(ValueError, match="neither a literal"):
        paired_ab.parse_value("fast")


def test_pairs_alternate_and_the_ratio_is_per_pair() -> None:
    calls = []

    def fit(value):
        calls.append(value)
        return {"a": 2.0, "b": 1.0}[value] * (1 + len(calls))  # the machine slows down

    times_a, times_b = paired_ab.paired_ratios(fit, "a", "b", pairs=4)
    assert calls[:2] == ["a", "b"]  # warm-up
    assert calls[2:] == ["b", "a", "a", "b", "b", "a", "a", "b"]
    result = paired_ab.summary(times_a, times_b)
    # within a pair the drift is one call: the ratio stays near 2 although the times grow 3x
    assert 1.7 < result["ratio"] < 2.3
    assert result["ratio_q1"] <= result["ratio"] <= result["ratio_q3"]


def test_script_restores_the_setting_and_the_threads(capsys) -> None:
    before, original = torch.get_num_threads(), update._FUSED_UPDATE
    assert paired_ab.main(["torchsom.functional.update", "_FUSED_UPDATE", "1 << 40", "1 << 4",
                           "--features", "8", "--map", "4x3", "--samples", "64",
                           "--epochs", "1", "--pairs", "2"]) == 0
    out = capsys.readouterr().out
    assert "A/B per pair: median" in out and "_FUSED_UPDATE" in out
    assert update._FUSED_UPDATE == original
    assert torch.get_num_threads() == before


def test_the_batch_rule_can_be_paired(capsys, monkeypatch) -> None:
    import torchsom._engine.rules as rules

    seen = []
    real = rules.BatchRule.step
    monkeypatch.setattr(rules.BatchRule, "step", lambda self, *a: seen.append(1) or real(self, *a))
    assert paired_ab.main(["torchsom.functional.bmu", "_SCORE_CACHE_BYTES", "1 << 21",
                           "1 << 18", "--features", "8", "--map", "4x3", "--samples", "64",
                           "--epochs", "1", "--pairs", "2", "--algorithm", "batch"]) == 0
    assert "A/B per pair: median" in capsys.readouterr().out
    assert seen  # the fits ran the batch rule


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(SystemExit):
        paired_ab.main(["torchsom.functional.update", "_NO_SUCH", "1", "2"])
