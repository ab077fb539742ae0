"""InfoNCE with in-batch and hard negatives, and the gradient-reversal language adversary
(src/core/train/infoNCE.ts, adversary.ts; the paper's method notes, sections 1.1 and 5.1-5.2)."""
import math

import torch
import torch.nn.functional as F

from sampler import Rng

MASKED_LOGIT = -1e9  # exp(-1e9) is exactly 0 in float32
LOGIT_CLAMP = 5.0  # discriminator logits are clamped to +-5 (MoDIR)


def info_nce(q, p, tau, passage_keys=None):
    """
    Mean over the B queries of -log softmax_j(cos(q_i, p_j) / tau)[i].
    :param q: [B, d] query embeddings; :param p: [P, d] passages, row i < B the positive of query i,
        then the hard negatives; :param passage_keys: P ids of the passages' texts: a column j != i with
        the same text as query i's positive is masked for row i (a false negative)
    """
    b = q.shape[0]
    q = q / q.norm(dim=1, keepdim=True)
    p = p / p.norm(dim=1, keepdim=True)
    logits = q @ p.T / tau
    if passage_keys is not None:
        keys = torch.as_tensor(passage_keys, device=q.device)
        same = keys[None, :] == keys[:b, None]
        same.fill_diagonal_(False)  # only the first B columns have a diagonal: the positives
        if same.any():
            logits = logits.masked_fill(same, MASKED_LOGIT)
    log_probs = F.log_softmax(logits, dim=1)
    return -log_probs[torch.arange(b, device=q.device), torch.arange(b, device=q.device)].sum() / b


def dann_lambda(step, total_steps, lambda_max):
    """DANN's schedule lambda_max * (2 / (1 + exp(-10 p)) - 1), p = step / total_steps (0-based step)."""
    p = min(1.0, max(0.0, step / total_steps)) if total_steps > 0 else 1.0
    return lambda_max * (2 / (1 + math.exp(-10 * p)) - 1)


class GradientReversal(torch.autograd.Function):
    """Forward y = x, backward dx = -lambda * dy."""

    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, dy):
        return -ctx.lam * dy, None


class LanguageDiscriminator(torch.nn.Module):
    """d -> h -> K with ReLU, optional dropout, logits clamped to +-5. The initial weights are torch's
    U(-1/sqrt(in), 1/sqrt(in)) drawn from xlir's seeded RNG, so they equal the app's bit for bit."""

    def __init__(self, input_dim, hidden, num_classes, seed, dropout=0.0):
        super().__init__()
        self.dense1 = torch.nn.Linear(input_dim, hidden)
        self.dense2 = torch.nn.Linear(hidden, num_classes)
        self.dropout = torch.nn.Dropout(dropout)
        rng = Rng(seed)
        with torch.no_grad():
            for param, bound in ((self.dense1.weight, 1 / math.sqrt(input_dim)), (self.dense1.bias, 1 / math.sqrt(input_dim)), (self.dense2.weight, 1 / math.sqrt(hidden)), (self.dense2.bias, 1 / math.sqrt(hidden))):
                values = [(2 * rng.next_float() - 1) * bound for _ in range(param.numel())]
                param.copy_(torch.tensor(values, dtype=torch.float32).reshape(param.shape))

    def forward(self, z):
        h = self.dropout(torch.relu(self.dense1(z)))
        return torch.clamp(self.dense2(h), -LOGIT_CLAMP, LOGIT_CLAMP)


def adversarial_loss(discriminator, z, labels, lam):
    """CE(D(GRL_lambda(z)), language) and the discriminator's accuracy. :param z: [N, d]; labels: [N]."""
    logits = discriminator(GradientReversal.apply(z, lam))
    loss = F.cross_entropy(logits, labels)
    accuracy = (logits.argmax(dim=1) == labels).float().mean()
    return loss, accuracy
