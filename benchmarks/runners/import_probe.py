"""Import footprint probe (runs in a torch backend's venv, one fresh process per call).

``python import_probe.py``: prints one JSON object with the resident set size (VmRSS, MiB)
at start, after ``import torchsom``, and after ``torchsom.SOM`` is resolved (the engine
and torch loaded), the heavy modules loaded at each step, and the RSS of ``import torch``
alone measured in a second fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "numpy", "matplotlib", "sklearn", "scipy", "pandas", "faiss")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("VmRSS not found")  # pragma: no cover


def loaded() -> list[str]:
    return [m for m in HEAVY if m in sys.modules]


def main() -> int:
    if sys.argv[1:] == ["torch-only"]:
        import torch  # noqa: F401

        print(json.dumps({"torch_only_mb": rss_mb()}))
        return 0
    out = {"start_mb": rss_mb()}
    import torchsom

    out["import_mb"] = rss_mb()
    out["modules_after_import"] = loaded()
    torchsom.SOM  # noqa: B018 - resolve the engine (lazy in packages that defer it)
    out["engine_mb"] = rss_mb()
    out["modules_after_engine"] = loaded()
    torch_only = subprocess.run([sys.executable, __file__, "torch-only"], capture_output=True,
                                text=True, check=True)
    out.update(json.loads(torch_only.stdout))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
