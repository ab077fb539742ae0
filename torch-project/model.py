"""The dual encoder of xlir in plain torch: a post-LN Transformer in the Hugging Face BERT / XLM-R layout
(state_dict names are HF's, so `transformers` loads what this writes and vice versa), then the
sentence-transformers pooling (mean or CLS), optional Dense layers, and L2 normalisation
(src/core/model/encoder.ts, encoderOps.ts). With 0 layers it is the embedding bag of the built-in
`multilingual` model. With `transformers` installed, `load_encoder(..., use_transformers=True)` runs HF's
own AutoModel under the same pooling and head.
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from torch import nn

from safetensors_io import load_file, save_file

MASK_BIAS = -1e9  # additive attention bias of padded keys


class SelfAttention(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)


class DenseNorm(nn.Module):
    def __init__(self, h_in, h_out, eps):
        super().__init__()
        self.dense = nn.Linear(h_in, h_out)
        self.LayerNorm = nn.LayerNorm(h_out, eps=eps)


class Attention(nn.Module):
    def __init__(self, h, eps):
        super().__init__()
        self.self = SelfAttention(h)
        self.output = DenseNorm(h, h, eps)


class Intermediate(nn.Module):
    def __init__(self, h, i):
        super().__init__()
        self.dense = nn.Linear(h, i)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, eps = c["hidden_size"], c["layer_norm_eps"]
        self.attention = Attention(h, eps)
        self.intermediate = Intermediate(h, c["intermediate_size"])
        self.output = DenseNorm(c["intermediate_size"], h, eps)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], h)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=c["layer_norm_eps"])


class LayerList(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))


class Pooler(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.dense = nn.Linear(h, h)


class Transformer(nn.Module):
    """HF's BertModel / XLMRobertaModel forward (absolute positions, exact GELU), written out."""

    def __init__(self, c, dropout, has_pooler):
        super().__init__()
        self.c, self.dropout = c, dropout
        self.embeddings = Embeddings(c)
        self.encoder = LayerList(c)
        self.pooler = Pooler(c["hidden_size"]) if has_pooler else None

    def position_ids(self, ids):
        if self.c["model_type"] == "bert":
            return torch.arange(ids.shape[1], device=ids.device).expand_as(ids)
        pad = self.c["pad_token_id"]
        real = (ids != pad).long()
        return torch.cumsum(real, dim=1) * real + pad

    def forward(self, ids, mask):
        c, e = self.c, self.embeddings
        drop = lambda x: F.dropout(x, self.dropout, self.training)  # noqa: E731
        x = e.word_embeddings(ids) + e.position_embeddings(self.position_ids(ids)) + e.token_type_embeddings.weight[0]
        x = drop(e.LayerNorm(x))
        b, length, h = x.shape
        nh = c["num_attention_heads"]
        hd = h // nh
        bias = (mask[:, None, None, :].float() - 1) * -MASK_BIAS
        heads = lambda t: t.reshape(b, length, nh, hd).transpose(1, 2)  # noqa: E731
        for layer in self.encoder.layer:
            a = layer.attention
            q, k, v = heads(a.self.query(x)), heads(a.self.key(x)), heads(a.self.value(x))
            probs = drop(torch.softmax(q @ k.transpose(-1, -2) * (1 / math.sqrt(hd)) + bias, dim=-1))
            ctx = (probs @ v).transpose(1, 2).reshape(b, length, h)
            attn = a.output.LayerNorm(drop(a.output.dense(ctx)) + x)
            ffn = drop(layer.output.dense(F.gelu(layer.intermediate.dense(attn))))
            x = layer.output.LayerNorm(ffn + attn)
        return x


class HfTransformer(nn.Module):
    """`transformers.AutoModel` behind the same interface (a cluster with transformers installed)."""

    def __init__(self, folder, dropout):
        super().__init__()
        from transformers import AutoModel  # optional dependency

        self.model = AutoModel.from_pretrained(folder, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout, add_pooling_layer=False)

    def forward(self, ids, mask):
        return self.model(input_ids=ids, attention_mask=mask).last_hidden_state


class SentenceEncoder(nn.Module):
    """Transformer -> pooling -> Dense* -> L2 normalisation: xlir's `embed()`."""

    def __init__(self, transformer, pooling, dense):
        super().__init__()
        self.transformer, self.pooling = transformer, pooling
        self.dense = nn.ModuleList(nn.Linear(d["in_features"], d["out_features"], bias=d["bias"]) for d in dense)
        self.activations = [d["activation"] for d in dense]
        self.dense_paths = [d["path"] for d in dense]

    @property
    def dim(self):
        return self.dense[-1].out_features if len(self.dense) else self.transformer.c["hidden_size"]

    def forward(self, ids, mask):
        h = self.transformer(ids, mask)
        if self.pooling == "cls":
            y = h[:, 0]
        else:
            m = mask[:, :, None].float()
            y = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        for layer, act in zip(self.dense, self.activations):
            y = layer(y)
            if act == "tanh":
                y = torch.tanh(y)
        return y / y.norm(dim=-1, keepdim=True).clamp(min=1e-12)


TANH = "torch.nn.modules.activation.Tanh"


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def hf_config(folder):
    """config.json with HF's class defaults filled in (as xlir's parseHfConfig)."""
    c = dict(read_json(os.path.join(folder, "config.json")))
    c.setdefault("type_vocab_size", 2)
    c.setdefault("layer_norm_eps", 1e-12)
    c.setdefault("pad_token_id", 0 if c["model_type"] == "bert" else 1)
    return c


def dense_layers(folder):
    """The sentence-transformers Dense modules named by modules.json (LaBSE's head), in order."""
    path = os.path.join(folder, "modules.json")
    if not os.path.exists(path):
        return []
    out = []
    for m in read_json(path)[2:]:
        if m["type"].endswith(".Dense"):
            c = read_json(os.path.join(folder, m["path"], "config.json"))
            act = "tanh" if c.get("activation_function", TANH) == TANH else "identity"
            out.append({"path": m["path"], "in_features": c["in_features"], "out_features": c["out_features"], "bias": c.get("bias", True), "activation": act})
    return out


def load_encoder(folder, pooling, dropout, freeze_embeddings, use_transformers=False):
    """Builds the encoder from an xlir / HF checkpoint folder (config.json, model.safetensors, modules.json)."""
    c = hf_config(folder)
    weights = load_file(os.path.join(folder, "model.safetensors"))
    has_pooler = "pooler.dense.weight" in weights
    transformer = HfTransformer(folder, dropout) if use_transformers else Transformer(c, dropout, has_pooler)
    if use_transformers:
        transformer.c = c
    dense = dense_layers(folder)
    model = SentenceEncoder(transformer, pooling, dense)
    if not use_transformers:
        missing = set(transformer.state_dict()) - set(weights)
        if missing:
            raise ValueError(f"{folder}/model.safetensors lacks {sorted(missing)[:5]}")
        transformer.load_state_dict(weights, strict=False)
    for i, d in enumerate(dense):
        w = load_file(os.path.join(folder, d["path"], "model.safetensors"))
        model.dense[i].load_state_dict(w)
    # the pooler is not used by the sentence embedding: never trained, saved as loaded
    if transformer.__class__ is Transformer and transformer.pooler is not None:
        transformer.pooler.requires_grad_(False)
    word = transformer.embeddings.word_embeddings if not use_transformers else transformer.model.embeddings.word_embeddings
    word.weight.requires_grad_(not freeze_embeddings)
    return model


def trainable_named(model):
    """Trainable parameters under xlir's names: HF names, head layers as `<path>/linear.weight`."""
    out = {}
    t = model.transformer
    inner = t.model if isinstance(t, HfTransformer) else t
    for name, p in inner.named_parameters():
        if p.requires_grad:
            out[name] = p
    for path, layer in zip(model.dense_paths, model.dense):
        for name, p in layer.named_parameters():
            out[f"{path}/linear.{name}"] = p
    return dict(sorted(out.items()))


def save_checkpoint(model, init_folder, out_folder, metadata=None):
    """Writes the xlir / HF / sentence-transformers layout: the init folder's files with new weights."""
    import shutil

    os.makedirs(out_folder, exist_ok=True)
    for root, _, files in os.walk(init_folder):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), init_folder)
            if not rel.endswith("model.safetensors"):
                os.makedirs(os.path.dirname(os.path.join(out_folder, rel)) or out_folder, exist_ok=True)
                shutil.copyfile(os.path.join(root, name), os.path.join(out_folder, rel))
    t = model.transformer
    inner = t.model if isinstance(t, HfTransformer) else t
    save_file(inner.state_dict(), os.path.join(out_folder, "model.safetensors"), metadata)
    for path, layer in zip(model.dense_paths, model.dense):
        save_file({f"linear.{k}": v for k, v in layer.state_dict().items()}, os.path.join(out_folder, path, "model.safetensors"), metadata)
