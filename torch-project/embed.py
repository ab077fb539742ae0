"""Writes the embeddings file of `xlir evaluate --embeddings` for the run's evaluation data
(data/eval.json: canonical ids with the token ids of "Query: " + question and "Passage: " + sentence):
{"queries": {id: [floats]}, "candidates": {id: [floats]}}, L2-normalised (scored by dot product).

  python embed.py --checkpoint runs/torch/checkpoints/step-3 --out embeddings.json
"""
import argparse
import json
import os

import torch

from data import HERE, read_json, token_batch
from model import load_encoder


@torch.no_grad()
def embed_rows(encoder, rows, pad, device, batch_size):
    out = []
    for i in range(0, len(rows), batch_size):
        out.append(encoder(*token_batch(rows[i : i + batch_size], pad, device)).cpu())
    return torch.cat(out) if out else torch.zeros((0, encoder.dim))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="a checkpoint folder written by train.py (or init/)")
    ap.add_argument("--out", required=True, help="embeddings JSON to write")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--project", default=HERE, help=argparse.SUPPRESS)
    args = ap.parse_args()
    project = read_json(os.path.join(args.project, "config.json"))
    data = read_json(os.path.join(args.project, "data", "eval.json"))
    encoder = load_encoder(args.checkpoint, project["model"]["pooling"], 0.0, True).to(args.device).eval()
    result = {}
    for field in ("queries", "candidates"):
        items = data[field]
        vectors = embed_rows(encoder, [x["ids"] for x in items], data["padId"], args.device, args.batch_size)
        result[field] = {x["id"]: [float(v) for v in row] for x, row in zip(items, vectors.tolist())}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f)
    print(f"{args.out}: {len(result['queries'])} queries, {len(result['candidates'])} candidates, dim {encoder.dim}")


if __name__ == "__main__":
    main()
