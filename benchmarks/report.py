"""Write ``BENCHMARKS.md`` (and the sweep figure) from one results JSON.

``python -m benchmarks.report [RESULTS.json] [--out FILE.md]`` (default
``benchmarks/results/latest.json``). ``BENCHMARKS.md`` only ever comes from one complete
run: a document that merges several runs, or that a selective or smoke run produced, is
rendered elsewhere (``--out``, or beside its JSON), never into ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks import extras, report_sweep
from benchmarks import report_sections as sections
from benchmarks.report_format import table
from benchmarks.report_results import Results
from benchmarks.report_targets import further, headline
from benchmarks.supervise import REPO

DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "latest.json"
MARKDOWN = REPO / "BENCHMARKS.md"
FIGURE = REPO / "docs" / "benchmarks" / "sweep_vs_floor.png"


class NotOneRun(ValueError):
    """A document that may not become ``BENCHMARKS.md``."""


def check_single_run(doc: dict[str, Any]) -> None:
    """Raise :class:`NotOneRun` unless ``doc`` is one complete run."""
    if doc.get("merged_from"):
        raise NotOneRun("this results file merges several runs; BENCHMARKS.md comes from one "
                        "complete run (`make bench`); render it with --out elsewhere")
    options = doc.get("options", {})
    if options.get("smoke") or not options.get("complete"):
        raise NotOneRun("this results file comes from a smoke or selective run "
                        f"({doc.get('command')!r}); BENCHMARKS.md comes from one complete run "
                        "(`make bench`)")


def targets_section(res: Results) -> list[str]:
    """The headline targets table, then the further checks."""
    lines = ["", "## Targets", "",
             "Computed from this run only: medians of interleaved runs at 1 thread, and the "
             "sweep below.", ""]
    lines += table(["target", "measured", "pass/miss", "CPU"], [list(r) for r in headline(res)])
    rest = further(res)
    if rest:
        lines += ["", "### Further checks", ""]
        lines += table(["check", "required", "measured", "verdict"], [list(r) for r in rest])
    return lines


def markdown(res: Results, figure_name: str | None, title: str = "Benchmarks",
             source: str = "benchmarks/results/latest.json") -> str:
    """The whole report, section by section."""
    lines = sections.header(res, title, source) + sections.packages(res)
    lines += targets_section(res)
    lines += report_sweep.section(res, figure_name)
    lines += sections.configurations(res) + sections.memory(res) + sections.not_measured(res)
    lines += extras.section(res.doc.get("extras"))
    lines += sections.bmu(res) + sections.profiles(res) + sections.noise(res)
    lines += sections.method(res) + sections.parameters()
    return "\n".join(lines) + "\n"


def _relative(path: Path, start: Path) -> str:
    try:
        return str(path.resolve().relative_to(start.resolve()))
    except ValueError:
        return str(path)


def write(doc: dict[str, Any], path: Path, figure_path: Path | None, source: Path,
          title: str | None = None) -> Path:
    """Render ``doc`` to ``path`` (and the figure, if any); refuse BENCHMARKS.md unless one run."""
    if path.resolve() == MARKDOWN.resolve():
        check_single_run(doc)
    res = Results(doc)
    name = None
    if figure_path is not None and report_sweep.figure(res, figure_path):
        name = _relative(figure_path, path.parent)
    if title is None:
        title = "Benchmarks" if path.resolve() == MARKDOWN.resolve() else (
            "Benchmarks (merged runs, not BENCHMARKS.md)" if doc.get("merged_from")
            else "Benchmarks (partial run, not BENCHMARKS.md)")
    text = markdown(res, name, title, _relative(source, REPO))
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def write_for_run(doc: dict[str, Any], results_path: Path, complete: bool) -> Path:
    """Where a harness run's report goes: BENCHMARKS.md for a complete run, else beside it."""
    if complete:
        return write(doc, MARKDOWN, FIGURE, results_path)
    return write(doc, results_path.with_suffix(".md"), results_path.with_suffix(".png"),
                 results_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--out", type=Path, default=None,
                        help="markdown file (default BENCHMARKS.md, for one complete run only)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.results.exists():
        print(f"[report] no results file {args.results}: run `make bench` first",
              file=sys.stderr)
        return 2
    doc = json.loads(args.results.read_text())
    out = args.out or MARKDOWN
    figure = FIGURE if out.resolve() == MARKDOWN.resolve() else out.with_suffix(".png")
    try:
        written = write(doc, out, figure, args.results)
    except NotOneRun as exc:
        print(f"[report] {exc}", file=sys.stderr)
        return 2
    print(f"[report] wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
