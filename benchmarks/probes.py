"""Probes of the machine and the repository, recorded beside every run.

* :func:`matmul_probe` / :func:`bmu_probe`: ``runners/micro.py`` in ``.bench/ours`` (the
  rate of a fixed matmul, the machine's noise; the BMU search against it);
* :func:`import_probe`: import footprint of each torch backend (``runners/import_probe.py``);
* :func:`machine` and :func:`cpu_info`: CPU model, flags, cores, memory, platform;
* :func:`repo_state`: the commit measured and whether the engine had local changes.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import Any

from benchmarks import configs as cfg
from benchmarks.supervise import REPO, child_env, log

RUNNERS = REPO / "benchmarks" / "runners"


def micro_probe(pythons: dict[str, Path], mode: str, threads: int, bench_dir: Path,
                device: str = "cpu") -> dict[str, Any] | None:
    """Run ``runners/micro.py MODE`` in our venv at ``threads`` threads (None on failure)."""
    if "ours" not in pythons:
        return None
    out = bench_dir / "runs" / f"probe-{mode}-t{threads}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(pythons["ours"]), str(RUNNERS / "micro.py"), mode, str(threads), str(out),
           device]
    proc = subprocess.run(cmd, env=child_env(threads, device), cwd=str(REPO),
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        log(f"[probe] {mode} t{threads} failed: {proc.stderr[-400:]}")
        return None
    res = json.loads(out.read_text())
    log(f"[noise] {mode:6s} t{threads}: matmul {res['matmul']['gflops']:7.1f} GFLOP/s")
    for b in res.get("bmu", []):
        log(f"[bmu]   t{threads} {b['n']}x{b['features']} vs {b['neurons']:5d} units: "
            f"{b['search_gflops']:6.1f} GFLOP/s "
            f"(same-shape addmm {b['same_shape_addmm_gflops']:.1f})")
    return res


def import_probe(pythons: dict[str, Path], repeats: int = 3) -> dict[str, Any]:
    """Import footprint of each torch backend: medians over fresh processes."""
    found: dict[str, Any] = {}
    for name, python in sorted(pythons.items()):
        if not cfg.BACKENDS[name].uses_torch:
            continue
        runs = []
        for _ in range(repeats):
            proc = subprocess.run([str(python), str(RUNNERS / "import_probe.py")],
                                  env=child_env(1, "cpu"), cwd=str(REPO), capture_output=True,
                                  text=True, timeout=300)
            if proc.returncode != 0:
                log(f"[import] {name} failed: {proc.stderr[-400:]}")
                break
            runs.append(json.loads(proc.stdout))
        if not runs:
            continue
        summary = {key: statistics.median(r[key] for r in runs)
                   for key in ("start_mb", "import_mb", "engine_mb", "torch_only_mb")}
        summary["modules_after_import"] = runs[-1]["modules_after_import"]
        summary["modules_after_engine"] = runs[-1]["modules_after_engine"]
        summary["runs"] = len(runs)
        found[name] = summary
        log(f"[import] {name}: import {summary['import_mb']:.0f} MB, engine ready "
            f"{summary['engine_mb']:.0f} MB, torch alone {summary['torch_only_mb']:.0f} MB")
    return found


def repo_state() -> dict[str, Any]:
    """Commit of the repository and whether the engine (torchsom/) has local changes."""
    def git(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=str(REPO), capture_output=True,
                                  text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "engine_dirty": bool(git("status", "--porcelain", "--", "torchsom"))}


def parse_cpuinfo(text: str) -> dict[str, Any]:
    """Model name and flags of the first processor listed in a ``/proc/cpuinfo`` text."""
    model, flags = None, []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "model name" and model is None:
            model = value.strip()
        elif key in ("flags", "features") and not flags:  # "Features" on ARM
            flags = value.split()
        if model is not None and flags:
            break
    return {"model": model, "flags": flags}


def parse_lscpu(text: str) -> dict[str, Any]:
    """Model name and flags from ``lscpu`` output."""
    model, flags = None, []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Model name" and model is None:
            model = value.strip()
        elif key.strip() == "Flags":
            flags = value.split()
    return {"model": model, "flags": flags}


def cpu_info(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, Any]:
    """CPU model name and flags, from ``/proc/cpuinfo`` or else ``lscpu``.

    ``source`` says where they came from; ``denormal_flags`` lists the flags that matter
    for flushing denormals (SSE3 carries the DAZ control torch sets).
    """
    found: dict[str, Any] = {"model": None, "flags": [], "source": None}
    try:
        found.update(parse_cpuinfo(cpuinfo.read_text()), source=str(cpuinfo))
    except OSError:
        pass
    if (found["model"] is None or not found["flags"]) and shutil.which("lscpu"):
        try:
            out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=30).stdout
            alt = parse_lscpu(out)
            found["model"] = found["model"] or alt["model"]
            found["flags"] = found["flags"] or alt["flags"]
            found["source"] = found["source"] or "lscpu"
        except (OSError, subprocess.SubprocessError):
            pass
    if found["model"] is None:
        found["model"] = platform.processor() or "unknown CPU"
    found["denormal_flags"] = [f for f in ("sse", "sse2", "sse3", "pni") if f in found["flags"]]
    return found


def machine() -> dict[str, Any]:
    """CPU (model and flags), cores, memory, platform and Python of this machine."""
    info = cpu_info()
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return {"cpu": info["model"], "cpu_flags": info["flags"], "cpu_info_source": info["source"],
            "cores": os.cpu_count(), "memory_gb": mem, "platform": platform.platform(),
            "python": platform.python_version()}
