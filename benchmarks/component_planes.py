"""Time and memory of the component-planes overview, as a user saving it would see them.

``python -m benchmarks.component_planes [--features 13 --x 20 --y 20 --dpi 100 --topology
rectangular --repeats 3]`` draws and saves the overview (``SOMVisualizer
.plot_component_planes(..., separate_files=False)``) of a random codebook and prints the
median wall and CPU time, the peak of Python allocations during a call (tracemalloc) and the
growth of the process's peak resident memory over the whole run.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import tracemalloc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=13)
    parser.add_argument("--x", type=int, default=20)
    parser.add_argument("--y", type=int, default=20)
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--topology", default="rectangular",
                        choices=("rectangular", "hexagonal"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import torch

    from torchsom import SOM
    from torchsom.visualization import SOMVisualizer, VisualizationConfig

    som = SOM(x=args.x, y=args.y, num_features=args.features, topology=args.topology,
              device="cpu", random_seed=0)
    with torch.no_grad():
        som.weights.copy_(torch.randn(som.weights.shape, generator=torch.Generator()
                                      .manual_seed(0)))
    names = [f"feature_{i}" for i in range(args.features)]
    viz = SOMVisualizer(som, VisualizationConfig(dpi=args.dpi))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            viz.plot_component_planes(names, save_path=folder, separate_files=False)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before
        tracemalloc.start()  # a last, slower call for the allocation peak
        viz.plot_component_planes(names, save_path=folder, separate_files=False)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(f"component planes: {args.features} features, {args.x}x{args.y} "
          f"{args.topology}, dpi {args.dpi}")
    print(f"median time {statistics.median(times):.2f} s over {args.repeats} "
          f"(min {min(times):.2f} s; CPU time {statistics.median(cpu):.2f} s)")
    print(f"peak Python allocations {peak:.0f} MiB; peak RSS growth "
          f"{rss_growth:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
