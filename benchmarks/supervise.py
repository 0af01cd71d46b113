"""Process supervision: child processes with pinned threads, a timeout and a memory cap.

Every measurement runs in a child process started with :func:`watch`, which polls the
child's resident set size and kills its whole process group past a wall-clock timeout,
past an RSS cap, or (for the sweep) when the point the child is working on has run
longer than a per-point cap. The child announces its current point in a small JSON
progress file (see ``benchmarks/runners/_sweep.py``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

#: environment variables that fix the thread count of the common math libraries
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def log(msg: str) -> None:
    """Print one progress line at once (the harness runs for tens of minutes)."""
    print(msg, flush=True)


def child_env(threads: int, device: str) -> dict[str, str]:
    """Environment of a child: ``threads`` threads everywhere, no GPU unless asked for."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONHASHSEED"] = "0"
    if not device.startswith("cuda"):
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def rss_of(pid: int) -> float | None:
    """VmRSS of process ``pid`` in MiB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        return None
    return None


def cpu_seconds_of(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far, in seconds (None once it is gone).

    The same quantity as ``time.process_time()`` read inside that process, at the
    resolution of the kernel's clock ticks.
    """
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class PointCap:
    """Kill the child when the point named in ``progress_file`` runs past ``seconds``.

    The progress file holds ``{"point": id, "point_started": unix time, ...}``.
    """

    progress_file: Path
    seconds: float

    def read(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.progress_file.read_text())
        except (OSError, ValueError):
            return None

    def exceeded(self, now: float) -> dict[str, Any] | None:
        """The progress record when its point has run too long, else None."""
        progress = self.read()
        if not progress or progress.get("point_started") is None:
            return None
        if now - float(progress["point_started"]) > self.seconds:
            return progress
        return None


def watch(cmd: list[str], env: dict[str, str], timeout_s: float, mem_cap_mb: float,
          out_dir: Path, point_cap: PointCap | None = None) -> dict[str, Any]:
    """Run ``cmd``; kill it past ``timeout_s``, ``mem_cap_mb`` of RSS or the point cap.

    Returns
    -------
    dict
        ``returncode``, ``verdict`` (None, "timeout", "oom" or "point-timeout"),
        ``wall_s``, ``watch_peak_mb`` and, for "point-timeout", ``progress`` (the
        child's last progress record), ``killed_at`` (unix time) and ``killed_cpu_s``
        (the child's CPU seconds then).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    peak = 0.0
    verdict = None
    progress = None
    killed_at = killed_cpu = None
    with open(out_dir / "stdout.txt", "w") as out, open(out_dir / "stderr.txt", "w") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=str(REPO),
                                start_new_session=True)
        try:
            while proc.poll() is None:
                rss = rss_of(proc.pid)
                if rss is not None:
                    peak = max(peak, rss)
                    if rss > mem_cap_mb:
                        verdict = "oom"
                if time.perf_counter() - start > timeout_s:
                    verdict = "timeout"
                if point_cap is not None and verdict is None:
                    progress = point_cap.exceeded(time.time())
                    if progress is not None:
                        verdict = "point-timeout"
                        killed_cpu = cpu_seconds_of(proc.pid)
                if verdict:
                    killed_at = time.time()
                    break
                time.sleep(0.02)
        finally:  # also when the driver itself is interrupted
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    wall = time.perf_counter() - start
    if verdict is None and proc.returncode in (-signal.SIGKILL, 137):
        verdict = "oom"  # killed from outside: the kernel's OOM killer
    if verdict == "oom" and point_cap is not None:
        progress = point_cap.read()
    return {"returncode": proc.returncode, "verdict": verdict, "wall_s": wall,
            "watch_peak_mb": peak, "progress": progress, "killed_at": killed_at,
            "killed_cpu_s": killed_cpu}


def stderr_tail(out_dir: Path, chars: int = 400) -> str:
    """The end of a child's stderr (for error reasons)."""
    try:
        return (out_dir / "stderr.txt").read_text()[-chars:]
    except OSError:
        return ""
