"""Machine noise probe and BMU-search micro-benchmark (runs in ``.bench/ours``).

``python micro.py matmul THREADS OUT.json``: rate of a fixed float32 matmul
(1024×1024 @ 1024×1024), median of 7 after 1 s of warm-up, in GFLOP/s.

``python micro.py bmu THREADS OUT.json [DEVICE]``: the same matmul, then
``torchsom.functional.bmu.topk_bmus(data, codebook, euclidean_cross, k=2)`` on 16000×300
data against 375 and 6300 units, and a plain ``addmm`` of the same shape. Rates count
``2·n·N·F`` FLOPs.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

MATMUL = 1024


def _timeit(fn, sync, repeats: int, warmup: int = 2, warm_seconds: float = 0.0) -> float:
    for _ in range(warmup):
        fn()
    sync()
    start = time.perf_counter()
    while time.perf_counter() - start < warm_seconds:  # let clocks and caches settle
        fn()
        sync()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def matmul_rate(torch, device: str, repeats: int = 7) -> dict:
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(MATMUL, MATMUL, generator=gen).to(device)
    b = torch.randn(MATMUL, MATMUL, generator=gen).to(device)
    sync = _sync(torch, device)
    seconds = _timeit(lambda: a @ b, sync, repeats, warm_seconds=1.0)
    return {"shape": [MATMUL, MATMUL, MATMUL], "seconds": seconds,
            "gflops": 2 * MATMUL**3 / seconds / 1e9}


def _sync(torch, device: str):
    if device.startswith("cuda"):
        return torch.cuda.synchronize
    return lambda: None


def bmu_rates(torch, device: str) -> list[dict]:
    from torchsom.functional.bmu import topk_bmus
    from torchsom.functional.distances import euclidean_cross

    gen = torch.Generator().manual_seed(0)
    n, features = 16000, 300
    data = torch.randn(n, features, generator=gen).to(device)
    sync = _sync(torch, device)
    out = []
    for neurons in (375, 6300):
        book = torch.randn(neurons, features, generator=gen).to(device)
        flops = 2 * n * neurons * features
        t_search = _timeit(lambda b=book: topk_bmus(data, b, euclidean_cross, k=2), sync, 5, 1)
        sq = (book * book).sum(1).unsqueeze(0)
        t_gemm = _timeit(lambda b=book, s=sq: torch.addmm(s, data, b.T, alpha=-2.0), sync, 5, 1)
        out.append({"n": n, "features": features, "neurons": neurons, "k": 2,
                    "search_seconds": t_search, "search_gflops": flops / t_search / 1e9,
                    "same_shape_addmm_seconds": t_gemm,
                    "same_shape_addmm_gflops": flops / t_gemm / 1e9})
    return out


def main() -> int:
    mode, threads, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    import torch

    torch.set_num_threads(threads)
    result = {"mode": mode, "threads": threads, "device": device,
              "matmul": matmul_rate(torch, device)}
    if mode == "bmu":
        result["bmu"] = bmu_rates(torch, device)
    with open(out_path, "w") as fh:
        json.dump(result, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
