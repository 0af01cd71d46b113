"""Number formats and markdown tables shared by the report's section builders."""

from __future__ import annotations

from typing import Any


def fmt_s(value: float | None) -> str:
    """Seconds with 2–3 significant digits ("–" for none)."""
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    if value >= 0.001:
        return f"{value:.3f}"
    return f"{value:.1e}"


def fmt_us(value: float | None) -> str:
    """Microseconds, 3 significant digits ("–" for none)."""
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_mb(value: float | None) -> str:
    """Megabytes, no decimals ("–" for none)."""
    return "–" if value is None else f"{value:.0f}"


def fmt_ratio(value: float | None, bound: bool = False, estimate: bool = False) -> str:
    """A speed ratio such as ``12.3×`` (``≥ 12.3×`` for a lower bound, ``≈ 12.3×`` for an
    estimate)."""
    if value is None:
        return "–"
    text = f"{value:.1f}×" if value < 100 else f"{value:.0f}×"
    return ("≈ " + text) if estimate else ("≥ " + text) if bound else text


def verdict(ok: bool | None) -> str:
    """``pass``, ``miss`` or ``–`` (not measured or not applicable)."""
    return "–" if ok is None else ("pass" if ok else "**miss**")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table (``|`` in cells is escaped)."""
    def clean(cells):
        return [str(c).replace("|", "\\|") for c in cells]

    out = ["| " + " | ".join(clean(header)) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(clean(r)) + " |" for r in rows]
    return out


def cell(entry: dict[str, Any] | None) -> str:
    """Median fit time of an entry, or why there is none."""
    if entry is None:
        return "–"
    if entry["status"] == "ok":
        return fmt_s(entry["median"]["fit"])
    return {"skipped": "skip", "timeout": "timeout", "oom": "OOM",
            "error": "error"}[entry["status"]]
