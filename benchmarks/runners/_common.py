"""Shared code of the backend runners (stdlib only; runs inside each backend's venv).

A runner is started as ``python runners/<backend>.py JOB.json``. The job says which
variant to train on which data; the runner writes ``result.json`` and ``weights.npy`` into
the job's ``out_dir``. Everything goes through files because some packages print to stdout
on import.

Phases are timed separately with ``time.perf_counter``: import, data (load the shared
``.npy`` and convert it), init (construct the map and PCA-initialise it) and fit.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

SCHEMA = "torchsom-bench-run/1"
#: modules whose presence right after the library import is recorded
HEAVY_MODULES = ("matplotlib", "sklearn", "scipy", "pandas", "tqdm", "pydantic")


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb() -> float | None:
    """Current resident set size (VmRSS) in MiB."""
    kb = _status_kb("VmRSS")
    return None if kb is None else kb / 1024.0


def hwm_mb() -> float | None:
    """Peak resident set size (VmHWM) in MiB since start or the last reset."""
    kb = _status_kb("VmHWM")
    return None if kb is None else kb / 1024.0


def reset_hwm() -> bool:
    """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def maxrss_mb() -> float:
    """``getrusage(RUSAGE_SELF).ru_maxrss`` in MiB, for information only.

    Linux carries the parent's RSS at ``fork`` into this value across ``exec``, so in a
    child of a big driver it over-states the child's own peak; :func:`hwm_mb` does not.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Phases:
    """Collects phase timings."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def run(self, name: str, fn: Callable[[], Any], sync: Callable[[], None] | None = None):
        start = time.perf_counter()
        value = fn()
        if sync is not None:
            sync()
        self.times[name] = time.perf_counter() - start
        return value


def main(impl: Any) -> int:
    """Run one job with the backend module ``impl``.

    ``impl`` provides ``import_lib(job)``, ``load_data(lib, job, array)``,
    ``build(lib, job, data)``, ``fit(lib, job, som, data)``, ``weights(lib, som)``
    (returns a numpy array (x, y, F)), ``versions(lib)`` and optionally ``sync(lib, job)``.

    The library is imported and the data loaded once; then ``job["repeats"]`` runs each
    build a fresh map (init), and fit it. VmHWM is reset around every init and fit, so each
    run has its own peak RSS: ``peak = max(import + data, this run's init, this run's fit)``.
    A run whose fit takes longer than ``job["slow_threshold"]`` seconds ends the repeats.
    ``result.json`` is rewritten after every run, so a process killed later keeps them.
    A job with ``"kind": "sweep"`` is handed to ``_sweep.main`` instead.
    """
    job_path = sys.argv[1]
    with open(job_path) as fh:
        job = json.load(fh)
    if job.get("kind") == "sweep":  # many points, per-step times (see _sweep.py)
        import _sweep

        return _sweep.main(impl, job)
    out_dir = job["out_dir"]
    os.makedirs(out_dir, exist_ok=True)
    result: dict[str, Any] = {"schema": SCHEMA, "job": job, "ok": False, "runs": []}
    rss: dict[str, float | None] = {"start": rss_mb()}
    result["rss_mb"] = rss
    phases = Phases()
    result["times"] = phases.times

    def save() -> None:
        with open(os.path.join(out_dir, "result.json"), "w") as fh:
            json.dump(result, fh, indent=1)

    try:
        lib = phases.run("import", lambda: impl.import_lib(job))
        rss["after_import"] = rss_mb()
        result["modules_after_import"] = {m: m in sys.modules for m in HEAVY_MODULES}
        import numpy as np

        sync = getattr(impl, "sync", None)
        syncer = (lambda: sync(lib, job)) if sync else None
        array = phases.run("data", lambda: np.load(job["data_path"]))
        data = phases.run("data_convert", lambda: impl.load_data(lib, job, array))
        phases.times["data"] += phases.times.pop("data_convert")
        rss["after_data"] = rss_mb()
        rss["peak_import_data"] = hwm_mb()
        result["versions"] = impl.versions(lib)
        result["threads_seen"] = getattr(impl, "threads_seen", lambda lib: None)(lib)
        for rep in range(int(job.get("repeats", 1))):
            run: dict[str, Any] = {"repeat": rep}
            can_reset = reset_hwm()
            timer = Phases()
            som = timer.run("init", lambda: impl.build(lib, job, data), syncer)
            run["rss_before_fit"] = rss_mb()
            run["peak_init"] = hwm_mb() if can_reset else None
            can_reset = reset_hwm()
            timer.run("fit", lambda som=som: impl.fit(lib, job, som, data), syncer)
            run["peak_fit"] = hwm_mb() if can_reset else None
            run.update(timer.times)
            if rep == 0:
                weights = np.asarray(impl.weights(lib, som), dtype=np.float32)
                expected = (job["x"], job["y"], job["features"])
                if weights.shape != expected:
                    raise RuntimeError(f"weights have shape {weights.shape}, "
                                       f"expected {expected}")
                np.save(os.path.join(out_dir, "weights.npy"), weights)
            windows = (rss["peak_import_data"], run["peak_init"], run["peak_fit"])
            if not can_reset:  # no reset possible: VmHWM covers the whole process so far
                windows = (hwm_mb(),)
            run["peak"] = max(v for v in windows if v is not None)
            result["runs"].append(run)
            result["ok"] = True
            save()
            del som
            gc.collect()
            threshold = job.get("slow_threshold") or 0
            if threshold and run["fit"] > threshold:
                result["repeats_note"] = (f"{rep + 1} run(s): a fit took {run['fit']:.0f} s, "
                                          f"over the {threshold:.0f} s limit for repeats")
                break
        rss["ru_maxrss"] = maxrss_mb()
    except BaseException as exc:  # report every failure to the driver
        result.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc())
    save()
    return 0 if result["ok"] else 1


def set_torch_threads(torch: Any, job: dict) -> None:
    torch.set_num_threads(int(job["threads"]))


# --------------------------------------------------------------------- torch-based runners
def import_torchsom(job: dict) -> Any:
    """Import torch with the job's thread count, then the ``torchsom`` of this venv."""
    import torch

    set_torch_threads(torch, job)
    import torchsom

    return torchsom


def torch_module() -> Any:
    """The torch module (imported lazily: only torch-based venvs have it)."""
    import torch

    return torch


def load_torch_data(lib: Any, job: dict, array: Any) -> Any:
    """The benchmark data as a tensor on the job's device."""
    return torch_module().from_numpy(array).to(job.get("device", "cpu"))


def build_torchsom(lib: Any, job: dict, data: Any, **extra: Any) -> Any:
    """A torchsom ``SOM`` with the job's shared settings, PCA-initialised on ``data``.

    ``extra`` adds constructor arguments one package has and the other lacks.
    """
    som = lib.SOM(
        x=job["x"], y=job["y"], num_features=job["features"], epochs=job["epochs"],
        batch_size=job.get("batch_size") or 16, sigma=job["sigma"],
        learning_rate=job["learning_rate"], initialization_mode="pca",
        neighborhood_function="gaussian", distance_function="euclidean",
        random_seed=job["seed"], device=job.get("device", "cpu"), **extra,
    )
    som.initialize_weights(data=data, mode="pca")
    return som


def fit_torchsom(lib: Any, job: dict, som: Any, data: Any) -> Any:
    """Train a torchsom map quietly."""
    return som.fit(data, verbose=False)


def sync_torch(lib: Any, job: dict) -> None:
    """Wait for queued CUDA work so timings are complete."""
    if str(job.get("device", "cpu")).startswith("cuda"):
        torch_module().cuda.synchronize()


def torchsom_weights(lib: Any, som: Any) -> Any:
    """The trained codebook as a numpy array, shape (x, y, F)."""
    return som.weights.detach().cpu().numpy()

