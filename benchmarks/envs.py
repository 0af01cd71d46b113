"""Virtual environments of the backends, under ``.bench/<backend>``, made with pip.

Each backend gets its own environment (torchsom 1.3.1 has our import name, so it can never
share one with this repository). An environment is reused while its key (requirements,
Python version and, for ``ours``, ``pyproject.toml``) is unchanged; ``ours`` is an editable
install of the repository, so engine changes need no reinstall.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.configs import BACKENDS, Backend

STAMP = ".bench-stamp"


def env_key(backend: Backend, repo: Path) -> str:
    """Hash of what the environment is built from."""
    parts = [sys.version.split()[0], *backend.requirements]
    if backend.editable_repo:
        parts.append((repo / "pyproject.toml").read_text())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def python_of(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def ensure_env(backend: Backend, root: Path, repo: Path, log=print) -> Path:
    """Create (or reuse) the environment of ``backend``; return its python."""
    env_dir = root / backend.name
    key = env_key(backend, repo)
    stamp = env_dir / STAMP
    py = python_of(env_dir)
    if stamp.exists() and py.exists():
        try:
            if json.loads(stamp.read_text()).get("key") == key:
                return py
        except (OSError, ValueError):
            pass
    if env_dir.exists():
        shutil.rmtree(env_dir)
    start = time.perf_counter()
    log(f"[env] creating .bench/{backend.name} ({', '.join(backend.requirements)})")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(env_dir)], check=True)
    # --no-compile: byte-compiling all of torch takes ~40 s; the warm-up import below
    # compiles only what is imported
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--no-compile"]
    # one resolver run; the torch pin sits beside the editable repo so pip cannot move it
    extra = ["-e", str(repo)] if backend.editable_repo else []
    subprocess.run([*pip, *backend.requirements, *extra], check=True)
    subprocess.run([str(py), "-c", f"import {backend.import_name}"], check=True,
                   env={**os.environ, "CUDA_VISIBLE_DEVICES": ""}, capture_output=True)
    freeze = subprocess.run([str(py), "-m", "pip", "freeze", "--all"], check=True,
                            capture_output=True, text=True).stdout.splitlines()
    stamp.write_text(json.dumps({"key": key, "requirements": list(backend.requirements),
                                 "freeze": freeze}, indent=1))
    log(f"[env] .bench/{backend.name} ready in {time.perf_counter() - start:.0f} s")
    return py


def ensure_envs(names: list[str], root: Path, repo: Path, log=print) -> dict[str, Path]:
    """Create the environments of ``names`` (two at a time); return their pythons."""
    names = sorted(names, key=lambda n: list(BACKENDS).index(n))  # slow (torch) ones first
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {n: pool.submit(ensure_env, BACKENDS[n], root, repo, log) for n in names}
        return {n: f.result() for n, f in futures.items()}


def frozen(root: Path, name: str) -> list[str]:
    """``pip freeze`` of an environment, as recorded when it was made."""
    try:
        return json.loads((root / name / STAMP).read_text()).get("freeze", [])
    except (OSError, ValueError):
        return []
