"""The parts of a complete ``make bench`` run beyond the fits and the sweep.

* ``online``: the online rule against MiniSom's ``train`` (``benchmarks/online_rule.py``);
* ``scale``: streaming from a ``.npy`` memmap and 2 ranks against 1
  (``benchmarks/scale_out.py``).

Each runs as its own process with this interpreter (the development environment, which
holds our package, MiniSom 2.3.6 and numba); its JSON is folded into the run's document
under ``extras`` and rendered into ``BENCHMARKS.md``. A part that fails is recorded with
its error, not dropped.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.supervise import REPO, log

__all__ = ["PARTS", "run_extras", "section"]

#: part name → (module, extra arguments, results file stem, what ``--out`` takes: the JSON
#: file's suffix, or "" for the stem itself)
PARTS = {
    "online": ("benchmarks.online_rule", [], "online_rule", ".json"),
    "scale": ("benchmarks.scale_out", [], "scale_out", ""),
}


def _run(name: str, out_dir: Path, timeout: float) -> dict[str, Any]:
    module, extra, stem, out_suffix = PARTS[name]
    stem_path = out_dir / stem
    out_arg = str(stem_path) + out_suffix
    command = [sys.executable, "-m", module, *extra, "--out", out_arg]
    log(f"[extras] {name}: {' '.join(command[1:])}")
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=str(REPO), capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"status": "error", "reason": f"timed out after {timeout:.0f} s"}
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"status": "error", "reason": done.stderr[-2000:], "seconds": seconds}
    result = json.loads(stem_path.with_suffix(".json").read_text())
    return {"status": "ok", "seconds": seconds, "command": " ".join(command[1:]),
            "result": result}


def run_extras(names: list[str], out_dir: Path, timeout: float = 3600.0) -> dict[str, Any]:
    """Run the named parts in turn; their results by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return {name: _run(name, out_dir, timeout) for name in names}


def section(extras: dict[str, Any] | None) -> list[str]:
    """The Markdown of the extra parts of a run (empty when none ran)."""
    if not extras:
        return []
    from benchmarks import online_rule, scale_out

    lines: list[str] = []
    online = extras.get("online")
    if online:
        lines += ["", "## Online rule against MiniSom's train", ""]
        if online["status"] == "ok":
            lines += [online_rule.markdown(online["result"]), "",
                      f"Command: `python -m {online['command']}`."]
        else:
            lines.append(f"Not measured: {online['reason'].strip()[-300:]}")
    scale = extras.get("scale")
    if scale:
        lines.append("")
        if scale["status"] == "ok":
            lines.append(scale_out.markdown(scale["result"]))
        else:
            lines += ["## Scale-out: streaming and data-parallel training", "",
                      f"Not measured: {scale['reason'].strip()[-300:]}"]
    return lines
