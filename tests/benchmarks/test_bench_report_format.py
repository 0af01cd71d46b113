"""benchmarks/report_format.py: number formats and tables."""

from __future__ import annotations

from benchmarks import report_format as f


def test_formats() -> None:
    assert [f.fmt_s(v) for v in (None, 123.4, 12.34, 0.1234, 0.01234, 0.0001)] == [
        "–", "123", "12.3", "0.12", "0.012", "1.0e-04"]
    assert [f.fmt_us(v) for v in (None, 12345.6, 45.67, 4.567)] == ["–", "12,346", "45.7",
                                                                     "4.57"]
    assert f.fmt_ratio(12.34) == "12.3×" and f.fmt_ratio(250, bound=True) == "≥ 250×"
    assert f.fmt_ratio(None) == "–" and f.fmt_mb(12.6) == "13"
    assert [f.verdict(v) for v in (True, False, None)] == ["pass", "**miss**", "–"]


def test_table_escapes_pipes() -> None:
    assert f.table(["a", "b"], [["x|y", "1"]]) == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]


def test_cell() -> None:
    assert f.cell(None) == "–" and f.cell({"status": "oom"}) == "OOM"
    assert f.cell({"status": "ok", "median": {"fit": 1.234}}) == "1.23"
