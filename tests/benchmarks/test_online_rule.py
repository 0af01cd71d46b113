"""The online-rule benchmark runs end to end on a tiny problem and records what it says."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("minisom")

from benchmarks import online_rule  # noqa: E402


def test_benchmark_writes_times_ratio_and_machine(tmp_path, capsys) -> None:
    out = tmp_path / "online.json"
    assert online_rule.main(["--n", "150", "--features", "5", "--x", "4", "--y", "3",
                             "--repeats", "2", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["shape"] == {"n": 150, "features": 5, "x": 4, "y": 3}
    assert [len(result["runs"][name]) for name in ("ours", "minisom")] == [2, 2]
    median = result["median_wall_s"]
    assert result["ratio"] == pytest.approx(median["minisom"] / median["ours"])
    assert result["cpu"] and result["target"] == 20.0
    # the same rule from the same start: the two maps quantise the data alike
    quality = result["quantization_error"]
    assert quality["ours"] == pytest.approx(quality["minisom"], rel=0.2)
    printed = capsys.readouterr().out
    assert "| ours |" in printed and "faster than MiniSom's train" in printed
    assert not list(tmp_path.glob("*.tmp"))  # written through a temporary file
    assert "faster than MiniSom" in out.with_suffix(".md").read_text()
