"""benchmarks/minibatch_floor.py: the per-operation breakdown of one mini-batch step."""

from __future__ import annotations

import torch

from benchmarks import minibatch_floor


def test_minibatch_floor_script_reports_every_part(capsys) -> None:
    before = torch.get_num_threads()
    assert minibatch_floor.main(["--n", "64", "--features", "8", "--x", "4", "--y", "3",
                                 "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    for part in ("search product", "update product", "squared norms", "full fit, per batch"):
        assert part in out
    assert torch.get_num_threads() == before
