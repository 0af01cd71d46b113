"""Profile our ``fit`` on given cases (runs in ``.bench/ours``, one thread).

``python profile_ours.py OUT_DIR CASES.json [DEVICE]``. ``CASES.json`` lists cases
``{"name", "data_path", "x", "y", "epochs", "rule", "batch_size", "point"}`` (see
``benchmarks/profiling.py``). Per case it writes ``OUT_DIR/<name>.txt`` (cProfile by own
time, then torch.profiler operators by self CPU time); ``OUT_DIR/summary.json`` holds the
top operators of every case, which the harness stores in the results document.
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


def build(data, x, y, epochs, rule, batch, device):
    from torchsom import SOM

    som = SOM(x=x, y=y, num_features=data.shape[1], epochs=epochs, batch_size=batch,
              sigma=1.45, learning_rate=0.95, initialization_mode="pca",
              neighborhood_function="gaussian", distance_function="euclidean",
              random_seed=42, device=device, algorithm=rule)
    som.initialize_weights(data=data, mode="pca")
    return som


def main() -> int:
    out_dir, cases_path = sys.argv[1], sys.argv[2]
    device = sys.argv[3] if len(sys.argv) > 3 else "cpu"
    torch.set_num_threads(1)
    with open(cases_path) as fh:
        cases = json.load(fh)
    loaded: dict[str, torch.Tensor] = {}
    summary = {}
    for case in cases:
        name, x, y, epochs = case["name"], case["x"], case["y"], case["epochs"]
        rule, batch = case["rule"], case["batch_size"]
        if case["data_path"] not in loaded:
            loaded[case["data_path"]] = torch.from_numpy(np.load(case["data_path"])).to(device)
        data = loaded[case["data_path"]]
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
        stats = pstats.Stats(prof, stream=text).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        py_total = sum(v[2] for v in stats.stats.values()) or 1.0
        py_top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:6]

        som = build(data, x, y, epochs, rule, batch, device)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as tp:
            som.fit(data, verbose=False)
        averages = tp.key_averages()
        table = averages.table(sort_by="self_cpu_time_total", row_limit=20)
        total = sum(a.self_cpu_time_total for a in averages) or 1.0
        top = sorted(averages, key=lambda a: a.self_cpu_time_total, reverse=True)[:8]
        summary[name] = {
            "shape": list(data.shape), "map": [x, y], "epochs": epochs, "rule": rule,
            "point": case.get("point"),
            "batch_size": batch if rule == "minibatch" else None, "threads": 1,
            "fit_seconds_unprofiled": plain,
            "torch_ops_self_cpu_seconds": total / 1e6,
            "top_ops": [{"op": a.key, "calls": a.count,
                         "self_cpu_s": a.self_cpu_time_total / 1e6,
                         "share": a.self_cpu_time_total / total} for a in top],
            "top_functions": [{"function": f"{func[2]} ({func[0]}:{func[1]})",
                               "calls": value[1], "own_s": value[2],
                               "share": value[2] / py_total} for func, value in py_top],
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
