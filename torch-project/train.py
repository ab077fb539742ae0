"""Trains the exported xlir run with PyTorch: the same examples, batches (seeded sampler), prefixes,
InfoNCE with tau and hard negatives, gradient-reversal adversary and lambda schedule, AdamW, warm-up and
decay, gradient clipping, as `xlir train` and the app (src/core/train/trainLoop.ts).

  python train.py --steps 3 --out runs/torch                    # CPU or one GPU
  torchrun --nproc_per_node 8 train.py --out runs/torch         # several GPUs (accelerate launch works too)

Each process embeds its share of every batch; the embeddings are all-gathered (with their gradients), so
the loss is InfoNCE over the whole batch of B triplets, as on one device. Writes OUT/log.jsonl (xlir's step
log format) and OUT/checkpoints/step-N/ (xlir / HF / sentence-transformers layout: `xlir evaluate
--checkpoint` and the app load it).
"""
import argparse
import json
import os
import re
import time

import torch
import torch.distributed as dist

from data import HERE, load_project, token_batch
from losses import LanguageDiscriminator, adversarial_loss, dann_lambda, info_nce
from model import load_encoder, save_checkpoint, trainable_named
from sampler import derive_seed, sampler_for

NO_DECAY = re.compile(r"bias|layernorm|layer_norm|(^|[._/])norm([._/]|$)", re.IGNORECASE)


def learning_rate(step, run):
    """Linear warm-up, then linear decay or constant (learningRate.ts); step is 0-based."""
    lr, warm, total = run["lr"], run["warmupSteps"], run["steps"]
    if step < warm:
        return lr * (step + 1) / warm
    if run.get("lrSchedule", "linear") == "constant" or total - warm <= 0:
        return lr
    return lr * max(0, total - step) / (total - warm)


def adamw(named, run):
    """AdamW with decoupled decay on matrices only, never biases or norms (adamw.ts decaysWeight)."""
    decay = [p for n, p in named.items() if p.dim() >= 2 and not NO_DECAY.search(n)]
    rest = [p for n, p in named.items() if not (p.dim() >= 2 and not NO_DECAY.search(n))]
    groups = [{"params": decay, "weight_decay": run["weightDecay"]}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=run["lr"], betas=(0.9, 0.999), eps=run["epsilon"])


def gather(x, world):
    """All rows of every process, in rank order, differentiable (the backward sums each rank's share)."""
    if world == 1:
        return x
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(x), dim=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, help="stop after this step (the schedules keep the run's length); default: the run's steps")
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "torch"), help="run folder (log.jsonl, checkpoints/step-N)")
    ap.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... (default: cuda when available; torchrun: cuda:LOCAL_RANK)")
    ap.add_argument("--save-every", type=int, help="checkpoint every N steps (default: the run's checkpointEvery) and at the end")
    ap.add_argument("--transformers", action="store_true", help="run Hugging Face transformers' AutoModel instead of model.py's Transformer")
    ap.add_argument("--project", default=HERE, help=argparse.SUPPRESS)
    args = ap.parse_args()

    project, train = load_project(args.project)
    run = project["run"]
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if args.device == "auto":
        device = f"cuda:{os.environ.get('LOCAL_RANK', '0')}" if torch.cuda.is_available() else "cpu"
    else:
        device = args.device
    if world > 1:
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
        if run["batchSize"] % world:
            raise SystemExit(f"batchSize {run['batchSize']} must be a multiple of the {world} processes")
    torch.manual_seed(derive_seed(run["seed"], "torch"))  # dropout masks: seeded, though not xlir's

    m = project["model"]
    init = os.path.join(args.project, "init")
    encoder = load_encoder(init, m["pooling"], run["dropout"], run["model"]["freezeEmbeddings"], args.transformers).to(device)
    strategy = run["strategy"]
    adversarial = strategy if strategy["kind"] == "adversarial" else None
    languages = train["languages"]
    disc = None
    if adversarial:
        disc = LanguageDiscriminator(encoder.dim, adversarial["discriminatorHidden"], len(languages), derive_seed(run["seed"], "discriminator"), adversarial.get("discriminatorDropout", 0.1)).to(device)
    enc_named = trainable_named(encoder)
    enc_opt = adamw(enc_named, run)
    disc_opt = adamw(dict(disc.named_parameters()), run) if disc else None
    modules = torch.nn.ModuleList([encoder] + ([disc] if disc else []))

    sampler = sampler_for(run, train)
    pad = train["padId"]
    lang_index = {lang: i for i, lang in enumerate(languages)}
    until = min(run["steps"], args.steps or run["steps"])
    save_every = args.save_every or run["checkpointEvery"]
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "log.jsonl"), "w", encoding="utf-8") if rank == 0 else None
    t0 = time.time()
    encoder.train()
    if disc:
        disc.train()

    for s in range(until):
        k = s + 1
        triplets, record = sampler.next(s)
        b = len(triplets)
        q_rows = [train["queries"][t["query"]]["ids"] for t in triplets]
        p_index = [t["positive"] for t in triplets] + [t["negative"] for t in triplets]
        p_rows = [train["passages"][i]["ids"] for i in p_index]
        # this process's share: contiguous slices, so gathering in rank order restores the batch order
        qs, ps = slice(rank * b // world, (rank + 1) * b // world), slice(rank * 2 * b // world, (rank + 1) * 2 * b // world)
        lr = learning_rate(s, run)
        lam = dann_lambda(s, run["steps"], adversarial["lambdaMax"]) if adversarial else None
        q = gather(encoder(*token_batch(q_rows[qs], pad, device)), world)
        p = gather(encoder(*token_batch(p_rows[ps], pad, device)), world)
        retrieval = info_nce(q, p, run["tau"], p_index)
        loss, adv, acc = retrieval, None, None
        if disc:
            labels = torch.tensor([lang_index[t["queryLang"]] for t in triplets] + [lang_index[t["passageLang"]] for t in triplets] * 2, device=device)
            adv, acc = adversarial_loss(disc, torch.cat([q, p]), labels, lam)
            loss = retrieval + adv * adversarial.get("weight", 1)
        if not torch.isfinite(loss):
            raise SystemExit(f"training diverged at step {k}: the loss ({loss.item()}) is not finite (try a lower lr)")
        enc_opt.zero_grad(set_to_none=True)
        if disc_opt:
            disc_opt.zero_grad(set_to_none=True)
        loss.backward()
        if world > 1:
            # every process holds the whole-batch loss, and gather's backward summed `world` copies of the
            # gradient of its own rows: the mean over processes is the whole batch's gradient
            for p_ in modules.parameters():
                if p_.grad is not None:
                    dist.all_reduce(p_.grad)
                    p_.grad /= world
        norm = torch.nn.utils.clip_grad_norm_(list(enc_named.values()), run["clipNorm"]).item()
        if not torch.isfinite(torch.tensor(norm)):
            raise SystemExit(f"training diverged at step {k}: the gradient norm ({norm}) is not finite")
        for g in enc_opt.param_groups:
            g["lr"] = lr
        enc_opt.step()
        if disc_opt:
            torch.nn.utils.clip_grad_norm_(list(disc.parameters()), run["clipNorm"])
            for g in disc_opt.param_groups:
                g["lr"] = lr * adversarial.get("discriminatorLr", run["lr"]) / run["lr"]
            disc_opt.step()
        entry = {
            "step": k,
            "loss": loss.item(),
            "retrieval_loss": retrieval.item(),
            "adv_loss": adv.item() if adv is not None else None,
            "disc_acc": acc.item() if acc is not None else None,
            "disc_chance": 1 / len(languages) if disc else None,
            "lambda": lam,
            "lr": lr,
            "grad_norm": norm,
            "seconds": time.time() - t0,
            "batch": record,
        }
        if log:
            log.write(json.dumps(entry) + "\n")
            log.flush()
            print(f"step {k}/{run['steps']}  loss {entry['loss']:.4f}  lr {lr:.3g}  {record['kind']} {record['pairs']}", flush=True)
        if rank == 0 and (k % save_every == 0 or k == until):
            folder = os.path.join(args.out, "checkpoints", f"step-{k}")
            save_checkpoint(encoder, init, folder, {"step": str(k), "trainer": "xlir torch-project"})
            with open(os.path.join(folder, "torch_trainer_state.json"), "w", encoding="utf-8") as f:
                json.dump({"step": k, "sampler": sampler.get_state()}, f)
    if log:
        log.close()
        print(f"checkpoint {os.path.join(args.out, 'checkpoints', f'step-{until}')}")
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
