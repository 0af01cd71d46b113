"""The tensor kernels behind the maps, on empty assignments."""

from __future__ import annotations

import pytest
import torch

from torchsom.functional import maps as F


def test_kernels_on_empty_assignments():
    empty = torch.empty(0, dtype=torch.long)
    values = torch.empty(0)
    for reduction in F.METRIC_REDUCTIONS:
        assert torch.isnan(F.metric_map(values, empty, 3, reduction)).all()
    assert torch.isnan(F.classification_map(values, empty, 3, torch.empty(3, 0,
                                                                          dtype=torch.long))).all()
    assert torch.isnan(F.rank_map(values, empty, 3)).all()
    assert F.hit_map(empty, 3).tolist() == [0.0, 0.0, 0.0]
    assert F.dedupe_neighbors(torch.empty(3, 0, dtype=torch.long)).shape == (3, 0)
    with pytest.raises(ValueError, match="reduction='mode'"):
        F.metric_map(values, empty, 3, "mode")
