"""Profile our ``fit`` on the tutorial and on 16000×300 (runs in ``.bench/ours``).

``python profile_ours.py OUT_DIR TUTORIAL.npy BIG.npy [DEVICE]`` writes, per case,
``OUT_DIR/<case>.txt`` (cProfile by own time, then torch.profiler operators by self CPU
time) and ``OUT_DIR/summary.json`` (top operators, for BENCHMARKS.md). One thread.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
import time

import numpy as np
import torch

CASES = (
    # name, data index, x, y, epochs, rule, batch size
    ("tutorial-mb16", 0, 25, 15, 100, "minibatch", 16),
    ("grid-16000x300-mb16", 1, 25, 15, 10, "minibatch", 16),
    ("grid-16000x300-mb256", 1, 25, 15, 10, "minibatch", 256),
    ("grid-16000x300-batch", 1, 25, 15, 10, "batch", 16),
)


def build(data, x, y, epochs, rule, batch, device):
    from torchsom import SOM

    som = SOM(x=x, y=y, num_features=data.shape[1], epochs=epochs, batch_size=batch,
              sigma=1.45, learning_rate=0.95, initialization_mode="pca",
              neighborhood_function="gaussian", distance_function="euclidean",
              random_seed=42, device=device, algorithm=rule)
    som.initialize_weights(data=data, mode="pca")
    return som


def main() -> int:
    out_dir, paths = sys.argv[1], sys.argv[2:4]
    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    torch.set_num_threads(1)
    datasets = [torch.from_numpy(np.load(p)).to(device) for p in paths]
    summary = {}
    for name, which, x, y, epochs, rule, batch in CASES:
        data = datasets[which]
        # plain timing first, without profilers
        som = build(data, x, y, epochs, rule, batch, device)
        start = time.perf_counter()
        som.fit(data, verbose=False)
        plain = time.perf_counter() - start

        som = build(data, x, y, epochs, rule, batch, device)
        prof = cProfile.Profile()
        prof.enable()
        som.fit(data, verbose=False)
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).strip_dirs().sort_stats("tottime").print_stats(25)

        som = build(data, x, y, epochs, rule, batch, device)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as tp:
            som.fit(data, verbose=False)
        averages = tp.key_averages()
        table = averages.table(sort_by="self_cpu_time_total", row_limit=20)
        total = sum(a.self_cpu_time_total for a in averages) or 1.0
        top = sorted(averages, key=lambda a: a.self_cpu_time_total, reverse=True)[:8]
        summary[name] = {
            "shape": list(data.shape), "map": [x, y], "epochs": epochs, "rule": rule,
            "batch_size": batch if rule == "minibatch" else None, "threads": 1,
            "fit_seconds_unprofiled": plain,
            "torch_ops_self_cpu_seconds": total / 1e6,
            "top_ops": [{"op": a.key, "calls": a.count,
                         "self_cpu_s": a.self_cpu_time_total / 1e6,
                         "share": a.self_cpu_time_total / total} for a in top],
        }
        with open(f"{out_dir}/{name}.txt", "w") as fh:
            fh.write(f"# {name}: data {tuple(data.shape)}, map {x}x{y}, {epochs} epochs, "
                     f"rule {rule}, batch {batch}, 1 thread\n")
            fh.write(f"# fit without profiler: {plain:.4f} s\n\n## cProfile (tottime)\n")
            fh.write(text.getvalue())
            fh.write("\n## torch.profiler (self CPU)\n")
            fh.write(table)
        print(f"[profile] {name}: fit {plain:.3f} s; top op "
              f"{top[0].key if top else '-'}", flush=True)
    with open(f"{out_dir}/summary.json", "w") as fh:
        json.dump(summary, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
