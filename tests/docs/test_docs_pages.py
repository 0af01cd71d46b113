"""Every ```python block in docs/ runs (blocks in one page share a namespace, in order).

A block whose first line is ``# doc: no-run`` is skipped (used for snippets that need a
GPU or optional packages).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
# pages whose blocks run together with shell commands, in their own test
RUN_ELSEWHERE = {DOCS / "cli.md"}  # tests/docs/test_cli_page.py
PAGES = sorted(p for p in DOCS.rglob("*.md") if "dev" not in p.parts and p not in RUN_ELSEWHERE)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_page_code_runs(page: Path, tmp_path: Path, monkeypatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    blocks = [b for b in blocks if not b.lstrip().startswith("# doc: no-run")]
    if not blocks:
        pytest.skip("no runnable python blocks")
    monkeypatch.chdir(tmp_path)
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
