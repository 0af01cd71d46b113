"""Read the clustering tutorial (a plain-text page) and pull out its code, unchanged.

The page has no code fences: code lines are recognised by their shape (an import, an
assignment or a call at the start of a line) and continue while brackets are open or
lines are indented. Prose and figure captions between them are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["TUTORIAL_NAME", "Step", "find_tutorial", "parse_tutorial"]

TUTORIAL_NAME = "000_bb9ea924517405b8.txt"

_HEADING = re.compile(r"^(\d+)\.\s+\S")
_CODE_START = re.compile(
    r"^(import\s+\w|from\s+[\w.]+\s+import\s|"
    r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_]\w*)*\s*=(?!=)|"
    r"[A-Za-z_][\w.]*\()"
)
_STRINGS = re.compile(r"(\"[^\"]*\"|'[^']*')")


@dataclass
class Step:
    """One numbered section of the tutorial and the code lines it contains."""

    number: int
    title: str
    lines: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return "\n".join(self.lines) + "\n"


def find_tutorial(repo: Path) -> Path | None:
    """The tutorial under ``<repo>/../shared/seed`` (where CI places it), if present."""
    for base in (repo.parent / "shared", repo / "shared"):
        candidate = base / "seed" / TUTORIAL_NAME
        if candidate.is_file():
            return candidate
    return None


def _depth_change(line: str) -> int:
    text = _STRINGS.sub("", line.split("#", 1)[0])
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


def parse_tutorial(text: str) -> list[Step]:
    """Numbered steps with their code lines, in page order."""
    steps: list[Step] = []
    depth = 0
    for line in text.splitlines():
        if depth > 0:
            steps[-1].lines.append(line)
            depth += _depth_change(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            steps.append(Step(int(heading.group(1)), line.split(".", 1)[1].strip()))
            continue
        if steps and _CODE_START.match(line):
            steps[-1].lines.append(line)
            depth = max(0, _depth_change(line))
    return steps
