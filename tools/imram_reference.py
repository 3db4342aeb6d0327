# SPDX-License-Identifier: MIT
"""A PyTorch model of IMRAM and SCAN written from docs/IMRAM_SPEC.md (shared docs), used only to make
the golden data that the C++ tests compare against:

    /usr/bin/python3 tools/imram_reference.py tests/fixtures/imram_golden.safetensors

It follows the official code's structure on purpose (per-caption loops, each caption sliced to its
true length, no masks), so it is an independent check of the engine's batched, masked formulation.
Everything runs in float64 so the dump is an oracle, not a float32 sample.

Contents of the dump (all tensors float64 unless noted):
  input.images (N, R, F), input.captions (N, L) int64, input.lengths (N) int64
  param.<name>                       the initial parameters, official names
  <variant>.scores (N images, N captions)   eval-orientation score matrix
  <variant>.loss ()                  hardest-negative contrastive loss, margin 0.2, summed
  <variant>.grad.<name>              d loss / d parameter (zero tensors for unused parameters)
  <variant>.step_losses (5)          losses of 5 Adam steps (lr in metadata) with clipping at 2.0
Metadata: the hyper-parameters of every variant.
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

torch.set_default_dtype(torch.float64)


def l2norm(x, dim=-1, eps=1e-8):
    return x / (x.pow(2).sum(dim=dim, keepdim=True).sqrt() + eps)


def cosine(x1, x2, dim, eps=1e-8):
    w12 = (x1 * x2).sum(dim)
    w1 = x1.norm(2, dim)
    w2 = x2.norm(2, dim)
    return w12 / (w1 * w2).clamp(min=eps)


def attention(query, context, lam):
    """query (n, Lq, d), context (n, Ls, d) -> attended context per query fragment (n, Lq, d)."""
    attn = torch.bmm(context, query.transpose(1, 2))          # (n, Ls, Lq)
    attn = nn.functional.leaky_relu(attn, 0.1)
    attn = l2norm(attn, 2)                                     # over the query axis
    attn = torch.softmax(attn.transpose(1, 2) * lam, dim=2)   # (n, Lq, Ls), over the context
    return torch.bmm(attn, context)


class Model(nn.Module):
    def __init__(self, vocab, word_dim, img_dim, d):
        super().__init__()
        self.img_enc = nn.Module()
        self.img_enc.fc_local = nn.Linear(img_dim, d)
        r = (6.0 ** 0.5) / ((img_dim + d) ** 0.5)
        nn.init.uniform_(self.img_enc.fc_local.weight, -r, r)
        nn.init.zeros_(self.img_enc.fc_local.bias)
        self.txt_enc = nn.Module()
        self.txt_enc.embed = nn.Embedding(vocab, word_dim)
        nn.init.uniform_(self.txt_enc.embed.weight, -0.1, 0.1)
        self.txt_enc.rnn = nn.GRU(word_dim, d, 1, batch_first=True, bidirectional=True)
        self.linear_t2i = nn.Linear(2 * d, d)
        self.gate_t2i = nn.Linear(2 * d, d)
        self.linear_i2t = nn.Linear(2 * d, d)
        self.gate_i2t = nn.Linear(2 * d, d)
        self.d = d

    def encode(self, images, captions, lengths):
        img = l2norm(self.img_enc.fc_local(images))
        order = sorted(range(len(lengths)), key=lambda b: -lengths[b])
        packed = nn.utils.rnn.pack_padded_sequence(self.txt_enc.embed(captions[order]),
                                                   [lengths[b] for b in order], batch_first=True)
        out, _ = self.txt_enc.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=captions.size(1))
        out = out[[order.index(b) for b in range(len(lengths))]]
        cap = l2norm((out[:, :, :self.d] + out[:, :, self.d:]) / 2)
        return img, cap

    def memory(self, which, q, c, imram_norm):
        lin, gate = (self.linear_t2i, self.gate_t2i) if which == "t2i" else (self.linear_i2t, self.gate_i2t)
        x = torch.cat([q, c], -1)
        o = torch.tanh(lin(x))
        g = torch.sigmoid(gate(x))
        out = g * q + (1 - g) * o
        return l2norm(out) if imram_norm else out

    def scores(self, img, cap, lengths, cfg):
        """(n_images, n_captions) score matrix, as the official per-caption loop computes it."""
        n_img = img.size(0)
        cols = []
        for i in range(cap.size(0)):
            cap_i = cap[i, :lengths[i]].unsqueeze(0).expand(n_img, -1, -1)
            total = torch.zeros(n_img)
            for direction in cfg["directions"]:
                query, context, orig = (cap_i, img, cap_i) if direction == "t2i" else (img, cap_i, img)
                for k in range(cfg["K"]):
                    att = attention(query, context, cfg["lambda"])
                    row = cosine(orig, att, 2)                      # (n_img, Lq)
                    if cfg["agg"] == "mean":
                        total = total + row.mean(1)
                    else:
                        lse = cfg["lambda_lse"]
                        total = total + torch.log(torch.exp(row * lse).sum(1)) / lse
                    if cfg["memory"] and k + 1 < cfg["K"]:
                        query = self.memory(direction, query, att, cfg["imram_norm"])
            cols.append(total)
        return torch.stack(cols, 1)


def contrastive_loss(s, margin=0.2):
    d = s.diag().view(-1, 1)
    cost_s = (margin + s - d.expand_as(s)).clamp(min=0)
    cost_im = (margin + s - d.t().expand_as(s)).clamp(min=0)
    eye = torch.eye(s.size(0), dtype=torch.bool)
    cost_s = cost_s.masked_fill(eye, 0)
    cost_im = cost_im.masked_fill(eye, 0)
    return cost_s.max(1)[0].sum() + cost_im.max(0)[0].sum()


VARIANTS = {
    "text_IMRAM": dict(directions=["t2i"], K=2, **{"lambda": 9.0}, agg="mean", memory=True, imram_norm=False),
    "image_IMRAM": dict(directions=["i2t"], K=3, **{"lambda": 4.0}, agg="mean", memory=True, imram_norm=True),
    "full_IMRAM": dict(directions=["t2i", "i2t"], K=3, **{"lambda": 9.0}, agg="mean", memory=True, imram_norm=False),
    "scan_t2i_avg": dict(directions=["t2i"], K=1, **{"lambda": 9.0}, agg="mean", memory=False, imram_norm=False),
    "scan_i2t_lse": dict(directions=["i2t"], K=1, **{"lambda": 4.0}, agg="lse", lambda_lse=5.0, memory=False,
                         imram_norm=False),
}
LR, CLIP, STEPS = 0.01, 2.0, 5


def main(path):
    torch.manual_seed(2020)
    N, R, F, V, W, D, L = 4, 6, 24, 30, 12, 16, 7
    images = torch.rand(N, R, F)  # BUTD features are non-negative
    lengths = [5, 3, 7, 4]
    captions = torch.zeros(N, L, dtype=torch.int64)
    for i, n in enumerate(lengths):
        captions[i, 0] = 1
        captions[i, 1:n - 1] = torch.randint(4, V, (n - 2,))
        captions[i, n - 1] = 2
    base = Model(V, W, F, D)
    init = {k: v.detach().clone() for k, v in base.state_dict().items()}
    out = {"input.images": images, "input.captions": captions, "input.lengths": torch.tensor(lengths)}
    for k, v in init.items():
        out["param." + k] = v
    meta = {"N": N, "R": R, "img_dim": F, "vocab": V, "word_dim": W, "embed_size": D, "lr": LR, "grad_clip": CLIP,
            "margin": 0.2, "torch": torch.__version__}
    for name, cfg in VARIANTS.items():
        model = Model(V, W, F, D)
        model.load_state_dict(init)
        img, cap = model.encode(images, captions, lengths)
        s = model.scores(img, cap, lengths, cfg)
        loss = contrastive_loss(s)
        loss.backward()
        out[name + ".scores"] = s.detach()
        out[name + ".loss"] = loss.detach()
        for k, p in model.named_parameters():
            out[name + ".grad." + k] = p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        losses = []
        for _ in range(STEPS):
            opt.zero_grad()
            img, cap = model.encode(images, captions, lengths)
            loss = contrastive_loss(model.scores(img, cap, lengths, cfg))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
            losses.append(loss.item())
        out[name + ".step_losses"] = torch.tensor(losses)
        meta[name] = str({k: v for k, v in cfg.items()})
    st_write.write(path, {k: v.numpy() for k, v in out.items()}, meta)
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/imram_golden.safetensors")
