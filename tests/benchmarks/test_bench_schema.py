"""benchmarks/schema.py: the results document validator, entries and sweep."""

from __future__ import annotations

import copy
import json

import pytest
from bench_fakes import fake_doc

from benchmarks import harness, schema


def test_schema_accepts_a_good_document() -> None:
    assert schema.validate(fake_doc()) == []
    assert schema.validate(fake_doc(with_sweep=False)) == []


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d.pop("machine"), "missing top-level key 'machine'"),
    (lambda d: d["results"][0].pop("median"), "median lacks"),
    (lambda d: d["results"][0].update(te=1.5), "te must lie in"),
    (lambda d: d["results"][0].update(status="weird"), "unknown status"),
    (lambda d: d["results"][2].pop("reason"), "needs a reason"),
    (lambda d: d["results"].append(copy.deepcopy(d["results"][0])), "duplicate entry"),
    (lambda d: d["results"][0].update(config="nowhere"), "config not listed"),
    (lambda d: d["sweep"].pop("points"), "sweep: missing 'points'"),
    (lambda d: d["sweep"]["results"][0].pop("step_us"), "step_us must be a number"),
    (lambda d: d["sweep"]["results"][0].update(floor=None), "floor.us must be"),
    (lambda d: d["sweep"]["results"][0].update(denormal_ratio=None), "denormal_ratio must"),
    (lambda d: d["sweep"]["results"][0].update(denormal_ratio="x", denormal_note=""),
     "denormal_ratio must"),
    (lambda d: d["sweep"]["results"][0].pop("flush_denormal_supported"), "not recorded"),
    (lambda d: d["sweep"]["results"][0].update(point="elsewhere"), "point not listed"),
    (lambda d: d["sweep"]["results"].append(d["sweep"]["results"][0]), "duplicate result"),
    (lambda d: d["sweep"]["results"][1].update(status="timeout"), "needs a reason"),
    (lambda d: d["sweep"]["results"][1].pop("backend"), "missing 'backend'"),
])
def test_schema_reports_problems(breakage, message) -> None:
    doc = fake_doc()
    breakage(doc)
    assert any(message in p for p in schema.validate(doc)), schema.validate(doc)


def test_a_ratio_may_be_missing_with_a_reason() -> None:
    doc = fake_doc()
    doc["sweep"]["results"][0].update(denormal_ratio=None, denormal_note="timing too noisy")
    assert schema.validate(doc) == []


def test_committed_results_follow_the_schema() -> None:
    for path in (harness.DEFAULT_OUT, harness.REPO / "benchmarks" / "results" / "merged.json"):
        if path.exists():
            assert schema.validate(json.loads(path.read_text())) == [], path
