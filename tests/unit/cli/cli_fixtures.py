"""Helpers of the command-line tests: small data files and running ``main``."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import numpy as np

from torchsom.cli.main import main

FEATURES = ["alcohol", "malic_acid", "od280/od315_of_diluted_wines", "hue", "proline"]
KINDS = ["barolo", "grignolino", "barbera"]


def make_rows(n: int = 60, seed: int = 0) -> list[list]:
    """``n`` rows: id, five features in three groups, a text class and a number."""
    rng = np.random.default_rng(seed)
    centres = np.array([[13.0, 2.0, 3.0, 1.0, 1100.0], [12.0, 1.5, 2.5, 1.1, 500.0],
                        [13.2, 3.3, 1.7, 0.7, 650.0]])
    spread = np.array([0.3, 0.3, 0.2, 0.05, 60.0])
    rows = []
    for i in range(n):
        group = i % 3
        values = centres[group] + spread * rng.normal(size=5)
        rows.append([i, *np.round(values, 4).tolist(), KINDS[group],
                     round(float(values[0] * 2), 3)])
    return rows


def write_csv(path: Path, rows: list[list], header: list[str] | None = None) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or ["id", *FEATURES, "kind", "score"])
        writer.writerows(rows)
    return path


def run(*argv: str) -> tuple[int, str, str]:
    """``main(argv)`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()
