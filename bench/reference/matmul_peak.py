#!/usr/bin/env python3
"""Practical float32 peak of this CPU: the median GFLOP/s of large square matmuls in PyTorch (BLAS).

Input: a JSON object on argv[1] with sizes (list of n), threads, repeats, and optionally device ("cpu" or
"cuda") and tf32 (CUDA: allow TensorFloat-32; default false). Output: one JSON line.
"""
import json
import statistics
import sys
import time

import torch


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg["threads"])
    device = torch.device(cfg.get("device", "cpu"))
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = bool(cfg.get("tf32", False))
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    g = torch.Generator().manual_seed(0)
    out = []
    for n in cfg["sizes"]:
        a = torch.rand(n, n, generator=g).to(device)
        b = torch.rand(n, n, generator=g).to(device)
        for _ in range(2):
            a @ b
        sync()
        times = []
        for _ in range(cfg["repeats"]):
            t0 = time.perf_counter()
            a @ b
            sync()
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        out.append({"n": n, "median_ms": med * 1000, "gflops": 2 * n**3 / med / 1e9, "best_gflops": 2 * n**3 / min(times) / 1e9})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "device": torch.cuda.get_device_name(device) if cuda else "cpu", "tf32": bool(cfg.get("tf32", False)) if cuda else None, "matmul": out}))


if __name__ == "__main__":
    main()
