"""Our batch map and XPySom's from one shared starting codebook, epoch by epoch.

``python -m benchmarks.shared_start [--samples 16000 --features 300 --epochs 10]``

The batch-rule target compares QE and TE after each library initialises its own map
(``pca`` in both, but the two PCA starts differ). This check separates the rule from the
start: both libraries run Kohonen's batch map (learning rate 1, σ = 1.45 / (1 + 2t/E),
gaussian, 25×15) from XPySom's own PCA codebook, in their own environments
(``.bench/ours``, ``.bench/xpysom``), one thread. For every epoch it prints the largest
weight difference between the two maps and both maps' QE and TE (one implementation,
:mod:`benchmarks.quality`). Equal rules agree to rounding after the first epoch; later
epochs show how far rounding alone (BMU ties broken differently in float32) carries two
equal rules apart.

Writes ``.bench/results/shared_start.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.data import data_path
from benchmarks.envs import ensure_envs
from benchmarks.quality import quality
from benchmarks.supervise import REPO, child_env, log

CHILD = REPO / "benchmarks" / "runners" / "shared_start.py"


def compare(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray],
            data: np.ndarray) -> list[dict[str, Any]]:
    """Per epoch: the largest weight difference and both maps' (QE, TE)."""
    rows = []
    for epoch in range(len(theirs)):
        key = f"epoch_{epoch}"
        mine, other = ours[key], theirs[key]
        qe, te = quality(data, mine)
        qe_x, te_x = quality(data, other)
        rows.append({"epoch": epoch + 1, "max_weight_diff": float(np.abs(mine - other).max()),
                     "ours_qe": qe, "ours_te": te, "xpysom_qe": qe_x, "xpysom_te": te_x})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=16000)
    parser.add_argument("--features", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--bench-dir", type=Path, default=REPO / ".bench")
    args = parser.parse_args(argv)
    pythons = ensure_envs(["ours", "xpysom"], args.bench_dir, REPO, log)
    path = data_path(args.bench_dir / "data", args.samples, args.features)
    data = np.load(path)
    results: dict[str, dict[str, np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        start = Path(tmp) / "start.npy"
        for library in ("xpysom", "ours"):  # XPySom first: it writes the shared start
            out = Path(tmp) / f"{library}.npz"
            subprocess.run([str(pythons[library]), str(CHILD), library, str(path), str(start),
                            str(args.epochs), str(out)], check=True, env=child_env(1, "cpu"))
            with np.load(out) as saved:
                results[library] = {k: saved[k] for k in saved.files}
    rows = compare(results["ours"], results["xpysom"], data)
    log(f"batch map from XPySom's PCA start, {args.samples}×{args.features}, 25×15, "
        f"{args.epochs} epochs, one thread")
    log("epoch  max|ΔW|    QE ours    QE XPySom  TE ours  TE XPySom")
    for r in rows:
        log(f"{r['epoch']:5d}  {r['max_weight_diff']:.2e}  {r['ours_qe']:.5f}    "
            f"{r['xpysom_qe']:.5f}    {r['ours_te']:.4f}   {r['xpysom_te']:.4f}")
    target = args.bench_dir / "results" / "shared_start.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"samples": args.samples, "features": args.features,
                                  "epochs": args.epochs, "rows": rows}, indent=1))
    log(f"-> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
