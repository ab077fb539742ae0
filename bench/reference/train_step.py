#!/usr/bin/env python3
"""Reference PyTorch (CPU) training step for the tfjs/PyTorch ratio in bench/RESULTS.md.

Same computation as XLIR Lab's step: a post-LN BERT/XLM-R encoder (one tower shared by queries and
passages), mean pooling, L2 normalisation, InfoNCE over the batch's 2B passages with temperature tau,
global-norm clipping and AdamW. Written for this project; no Hugging Face code is used.

Input: a JSON object on argv[1] with hidden, layers, heads, intermediate, vocab, batch, seq, threads,
warmup, repeats, and optionally device ("cpu", the default, or "cuda") and tf32 (CUDA only: let float32
matrix products use TensorFloat-32; default false, so the GPU computes in float32 as WebGPU does).
Output: one JSON line with the median step time and throughput.
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F


class Layer(torch.nn.Module):
    def __init__(self, h, heads, inter, eps):
        super().__init__()
        self.heads = heads
        self.q = torch.nn.Linear(h, h)
        self.k = torch.nn.Linear(h, h)
        self.v = torch.nn.Linear(h, h)
        self.o = torch.nn.Linear(h, h)
        self.ln1 = torch.nn.LayerNorm(h, eps=eps)
        self.i = torch.nn.Linear(h, inter)
        self.out = torch.nn.Linear(inter, h)
        self.ln2 = torch.nn.LayerNorm(h, eps=eps)

    def forward(self, x, add_mask):
        b, l, h = x.shape
        hd = h // self.heads

        def split(t):
            return t.view(b, l, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + add_mask
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, l, h)
        a = self.ln1(self.o(ctx) + x)
        return self.ln2(self.out(F.gelu(self.i(a))) + a)


class Encoder(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden"]
        self.word = torch.nn.Embedding(cfg["vocab"], h)
        self.pos = torch.nn.Embedding(cfg["seq"] + 2, h)
        self.ln = torch.nn.LayerNorm(h, eps=1e-5)
        self.layers = torch.nn.ModuleList(
            [Layer(h, cfg["heads"], cfg["intermediate"], 1e-5) for _ in range(cfg["layers"])]
        )

    def forward(self, ids, mask):
        pos = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0) + 2
        x = self.ln(self.word(ids) + self.pos(pos))
        add_mask = (1.0 - mask[:, None, None, :].float()) * -1e9
        for layer in self.layers:
            x = layer(x, add_mask)
        m = mask.unsqueeze(-1).float()
        pooled = (x * m).sum(1) / m.sum(1)
        return F.normalize(pooled, dim=-1)


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg["threads"])
    device = torch.device(cfg.get("device", "cpu"))
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = bool(cfg.get("tf32", False))
        torch.backends.cudnn.allow_tf32 = bool(cfg.get("tf32", False))
    torch.manual_seed(0)
    model = Encoder(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01, eps=1e-8)
    b, l = cfg["batch"], cfg["seq"]
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(5, cfg["vocab"], (3 * b, l), generator=g).to(device)
    mask = torch.ones(3 * b, l, dtype=torch.long, device=device)
    labels = torch.arange(b, device=device)
    tau = 0.05

    def step():
        opt.zero_grad(set_to_none=True)
        e = model(ids, mask)
        q, p = e[:b], e[b:]
        logits = q @ p.T / tau
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        # .item() waits for the device, so a step's wall time includes all its GPU work
        return loss.item()

    for _ in range(cfg["warmup"]):
        step()
    times = []
    cpu = []
    for _ in range(cfg["repeats"]):
        t0 = time.perf_counter()
        c0 = time.process_time()
        step()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    med = statistics.median(times)
    print(json.dumps({
        "framework": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "tf32": bool(cfg.get("tf32", False)) if device.type == "cuda" else None,
        "median_ms": med,
        "steps_per_s": 1000 / med,
        "tokens_per_s": 3 * b * l * 1000 / med,
        "times_ms": times,
        # CPU time of all threads together (user + system): with 2 threads up to 2x the wall time
        "cpu_ms": cpu,
        "median_cpu_ms": statistics.median(cpu),
    }))


if __name__ == "__main__":
    main()
