"""The exported project's files: config.json (the xlir run config), data/*.json (texts and the token ids
xlir's tokenizer produced, so batches are identical without a tokenizer library), init/ (start weights)."""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_project(project=HERE):
    """Returns (config.json, data/train.json)."""
    return read_json(os.path.join(project, "config.json")), read_json(os.path.join(project, "data", "train.json"))


def token_batch(rows, pad_id, device):
    """Right-padded ids and attention mask [B, L] of token id lists (L: the longest row)."""
    length = max(len(r) for r in rows)
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids.to(device), mask.to(device)
