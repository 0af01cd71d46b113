"""The configuration list matches the issue; selection helpers behave."""

from __future__ import annotations

import pytest

from benchmarks import configs as cfg


def by_id() -> dict[str, cfg.Config]:
    return {c.id: c for c in cfg.full_configs()}


def test_full_list_is_valid_and_complete() -> None:
    confs = cfg.full_configs()
    cfg.validate(confs)
    ids = by_id()
    tut = ids["tutorial"]
    assert (tut.n, tut.features, tut.x, tut.y, tut.epochs) == (300, 4, 25, 15, 100)
    assert "ours-mb16" in tut.variants and "torchsom131-mb16" in tut.variants
    big16k = ids["grid-16000x300"]
    assert (big16k.n, big16k.features, big16k.x, big16k.y, big16k.epochs) == (
        16000, 300, 25, 15, 10)
    assert set(big16k.variants) == set(cfg.VARIANTS)
    # the former grid's other sizes are covered by the sweep (benchmarks/sweep.py)
    assert [c.id for c in confs if c.group == "grid"] == ["grid-16000x300"]
    big = ids["bigmap-90x70"]
    assert (big.n, big.features, big.x, big.y, big.epochs) == (4000, 50, 90, 70, 5)
    sides = sorted(c.x for c in confs if c.group == "memory")
    assert sides == [50, 100, 150, 200, 250, 300]
    assert all((c.n, c.features, c.epochs) == (1000, 10, 1) for c in confs
               if c.group == "memory")
    huge = ids["huge-1Mx50"]
    assert (huge.n, huge.features, huge.x, huge.y) == (1_000_000, 50, 50, 50)
    assert all(cfg.VARIANTS[v].rule == "batch" for v in huge.variants)
    assert all(c.repeats >= 3 for c in confs if c.group in ("tutorial", "grid", "bigmap"))
    assert all(c.threads == (1, 2) for c in confs if c.group in ("tutorial", "grid", "bigmap"))
    assert all(c.threads == (1,) for c in confs if c.group in ("memory", "huge"))


def test_like_with_like_pairs() -> None:
    v = cfg.VARIANTS
    for size in (16, 256):
        assert v[f"ours-mb{size}"].batch_size == v[f"torchsom131-mb{size}"].batch_size == size
        assert v[f"ours-mb{size}"].rule == v[f"torchsom131-mb{size}"].rule == "minibatch"
    assert {v[n].rule for n in ("ours-batch", "xpysom-batch", "minisom-batch")} == {"batch"}
    assert v["minisom-online"].rule == "online"
    for name in ("ours-mb16", "torchsom131-mb16", "xpysom-batch"):
        assert v[name].threads == (1, 2)


def test_every_backend_is_isolated_and_pinned() -> None:
    for b in cfg.BACKENDS.values():
        if b.uses_torch:
            assert cfg.TORCH_PIN in b.requirements
        assert all("==" in r for r in b.requirements if r.split("==")[0] in (
            "torch", "torchsom", "minisom", "xpysom"))
    assert "torchsom==1.3.1" in cfg.BACKENDS["torchsom131"].requirements
    assert cfg.BACKENDS["ours"].editable_repo


def test_smoke_runs_every_variant_once() -> None:
    (smoke,) = cfg.smoke_configs()
    cfg.validate([smoke])
    assert set(smoke.variants) == set(cfg.VARIANTS)
    assert smoke.repeats == 1 and smoke.n * smoke.x * smoke.y <= 10_000


def test_skips_name_a_reason() -> None:
    for c in cfg.full_configs():
        for variant, reason in c.skips.items():
            assert variant in c.variants and reason


def test_select() -> None:
    confs = cfg.full_configs()
    assert [c.id for c in cfg.select(confs, "tutorial")] == ["tutorial"]
    assert len(cfg.select(confs, "grid")) == 1
    assert {c.id for c in cfg.select(confs, "grid-16000x*, memory-200x200")} == {
        "grid-16000x300", "memory-200x200"}
    assert cfg.select(confs, None) == confs
    assert cfg.select_variants(("ours-mb16", "ours-batch", "xpysom-batch"), "ours-*") == (
        "ours-mb16", "ours-batch")


def test_validate_rejects_unknown_variant() -> None:
    bad = cfg.Config("x", "g", 10, 2, 2, 2, 1, ("nope",))
    with pytest.raises(ValueError, match="unknown variant"):
        cfg.validate([bad])
    dup = cfg.smoke_configs() * 2
    with pytest.raises(ValueError, match="duplicate"):
        cfg.validate(dup)
    no_threads = cfg.Config("x", "g", 10, 2, 2, 2, 1, ("ours-mb16",), threads=())
    with pytest.raises(ValueError, match="threads"):
        cfg.validate([no_threads])
