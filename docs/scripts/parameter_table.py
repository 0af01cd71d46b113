"""Rewrite the parameter table of docs/parameters.md from torchsom/core/parameters.py.

Run from the repository root: ``python docs/scripts/parameter_table.py``.
``tests/unit/core/test_parameters.py`` fails while the page and the table differ.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from torchsom.core.parameters import parameter_table

PAGE = Path(__file__).resolve().parents[1] / "parameters.md"
#: the generated part: everything between the two marker comments
BLOCK = re.compile(r"(<!-- parameter-table:start.*?-->\n)(.*?)(<!-- parameter-table:end -->)",
                   flags=re.S)


def rendered(text: str) -> str:
    """``text`` (the page) with its table replaced by the current one."""
    if BLOCK.search(text) is None:
        raise ValueError(f"{PAGE} has no parameter-table markers")
    return BLOCK.sub(lambda m: m.group(1) + parameter_table() + m.group(3), text)


def main() -> None:
    text = rendered(PAGE.read_text(encoding="utf-8"))
    handle, temp = tempfile.mkstemp(dir=PAGE.parent, suffix=".md.tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temp, PAGE)


if __name__ == "__main__":
    main()
