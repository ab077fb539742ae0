#!/usr/bin/env python3
"""Practical float32 peak of this CPU: the median GFLOP/s of large square matmuls in PyTorch (BLAS).

Input: a JSON object on argv[1] with sizes (list of n), threads, repeats. Output: one JSON line.
"""
import json
import statistics
import sys
import time

import torch


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg["threads"])
    g = torch.Generator().manual_seed(0)
    out = []
    for n in cfg["sizes"]:
        a = torch.rand(n, n, generator=g)
        b = torch.rand(n, n, generator=g)
        for _ in range(2):
            a @ b
        times = []
        for _ in range(cfg["repeats"]):
            t0 = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        out.append({"n": n, "median_ms": med * 1000, "gflops": 2 * n**3 / med / 1e9, "best_gflops": 2 * n**3 / min(times) / 1e9})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "matmul": out}))


if __name__ == "__main__":
    main()
