"""benchmarks/report_results.py: lookups into one results document."""

from __future__ import annotations

from bench_fakes import CPU, fake_doc

from benchmarks.report_results import Results


def test_lookups() -> None:
    res = Results(fake_doc())
    assert res.cpu == CPU and res.threads() == [1]
    assert res.fit("tutorial", "ours-mb16", 1) == 1.0
    assert res.fit("tutorial", "minisom-online", 1) is None  # timed out
    assert res.get("tutorial", "ours-mb16", 2) is None


def test_sweep_verdicts_in_plan_order_and_profiles() -> None:
    doc = fake_doc()
    doc["profiles"] = {"sweep-a": {"point": "mb16-f4-10x10"}}
    res = Results(doc)
    verdicts = res.verdicts()
    assert [p["id"] for p, _ in verdicts] == [p["id"] for p in doc["sweep"]["points"]]
    assert all(v["ok"] for _, v in verdicts)
    assert res.profile_of("mb16-f4-10x10") == {"point": "mb16-f4-10x10"}
    assert res.profile_of("batch-f4-10x10") is None
