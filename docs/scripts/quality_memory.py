"""CPU time and peak memory of ``SOM.evaluate`` on N random samples (docs/quality.md).

    python docs/scripts/quality_memory.py 1000000
"""

from __future__ import annotations

import resource
import sys
import time

import torch

from torchsom import SOM


def main(n: int) -> tuple[float, float]:
    """Evaluate a 20×20 map on ``n`` samples of 10 features; return (CPU s, extra MB)."""
    data = torch.randn(n, 10, generator=torch.Generator().manual_seed(0))
    som = SOM(20, 20, 10, device="cpu", random_seed=0)
    som.initialize_weights(data[:5000], mode="pca")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    som.evaluate(data)
    seconds = time.process_time() - start
    extra = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
    print(f"n={n}: {seconds:.1f} s CPU, peak memory +{extra:.0f} MB, "
          f"{torch.get_num_threads()} torch threads")
    return seconds, extra


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
