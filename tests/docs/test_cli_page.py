"""docs/cli.md runs as written: its Python, TOML and console blocks, in order, in one folder.

* ```` ```python ```` blocks are executed (sharing one namespace);
* ```` ```toml ```` blocks whose first line is ``# NAME`` are written to the file NAME;
* in ```` ```console ```` blocks, each ``$ torchsom …`` line is run (as
  ``python -m torchsom …``); when the lines after it show ``torchsom: error: …``, the
  command must exit with code 2 and its stderr must start with that text, else it must
  succeed.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "cli.md"
BLOCK = re.compile(r"```(python|toml|console)\n(.*?)```", flags=re.S)


def _commands(block: str) -> list[tuple[list[str], str | None]]:
    """``(argv, expected error line or None)`` for each ``$`` line of a console block."""
    found: list[tuple[list[str], str | None]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            found.append((shlex.split(line[2:]), None))
        elif line.startswith("torchsom: error:") and found:
            found[-1] = (found[-1][0], line)
    return found


def test_cli_page_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    namespace: dict = {"__name__": "__docs__"}
    ran = 0
    for kind, body in BLOCK.findall(PAGE.read_text()):
        if kind == "python":
            exec(compile(body, str(PAGE), "exec"), namespace)
        elif kind == "toml":
            first, _, rest = body.partition("\n")
            assert first.startswith("# "), "a toml block starts with '# FILE NAME'"
            (tmp_path / first[2:].strip()).write_text(rest)
        else:
            for argv, error in _commands(body):
                assert argv[0] == "torchsom"
                done = subprocess.run([sys.executable, "-m", "torchsom", *argv[1:],
                                       *(["--quiet"] if len(argv) > 1 and
                                         argv[1] != "--help" else [])],
                                      capture_output=True, text=True, env=env)
                ran += 1
                if error is None:
                    assert done.returncode == 0, (argv, done.stderr)
                else:
                    assert done.returncode == 2, (argv, done.stdout, done.stderr)
                    assert done.stderr.startswith(error), (done.stderr, error)
    assert ran == 9
    assert (tmp_path / "wine-report" / "index.html").stat().st_size > 100_000
    assert (tmp_path / "predictions.csv").read_text().count("\n") == 179
    assert (tmp_path / "wine-minmax.som").exists()
    assert (tmp_path / "wine-auto.som").exists()  # trained without --x and --y
