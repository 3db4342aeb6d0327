# SPDX-License-Identifier: MIT
"""A PyTorch model of CAMP written from docs/CAMP_SPEC.md (shared docs), used only to make the golden
data that the C++ tests compare against:

    /usr/bin/python3 tools/camp_reference.py tests/fixtures/camp_golden.safetensors

It follows the official code's batched structure on purpose: every (image, caption) pair is expanded
into (n_img, n_cap, R|50, D) tensors, captions are padded to exactly 50 positions, and padded keys are
excluded by writing -1e9 into the attention logits. The self-checks below compare that layout with an
independent per-pair, pad-free formulation (spec 1.11, 1.12), so the dump is also a check of the
engine's formulation. Everything runs in float64 so the dump is an oracle, not a float32 sample.

Variants (both start from the SAME initial parameters):
  camp        the final gated model (measure gate_fusion_new, spec 1.1-1.9)
  camp_xattn  the stage-1 cross-attention model (CrossAttentionNew, spec 1.12): no l2norm of the
              refined messages, no gate/fusion, s_v = mean of the R rows of f_v, s_t = mean of ALL
              50 rows of f_t (pads included), score = cosine of the l2-normalised summaries. It uses
              only the encoders and the 8 projections; the other parameters get zero gradients.

Sizes: N = 4 images and 4 captions (caption j belongs to image j), R = 5 regions, img_dim = 10,
vocab = 20, word_dim = 6, embed_size D = 8 (attention scale 1/sqrt(8)), caption lengths 7, 2, 5, 4
including <start> (id 1) and <end> (id 2), word ids in [4, 20), padding id 0, padded to 50.

Initialisation: the spec's init (6.3, 1.1, 1.2) at the small sizes, i.e. Xavier-uniform img_enc.fc
with zero bias; embeddings U(-0.1, 0.1); GRU U(-1/sqrt(D), 1/sqrt(D)); img_key_fc, txt_key_fc,
fc_1.0, fc_2.0, fc_out.0, fc_out.3 U(-r, r) with r = sqrt(6)/sqrt(2D), biases 0; the other six
projections and final_reduce_* PyTorch's default. Then, so that the test is sensitive (scores not
saturated, gates not all 0.5, attention not uniform, cosines positive), these deterministic changes:
  * txt_enc.embed.weight           x 10 (so U(-1, 1): word features of norm O(1))
  * the 8 projections              x 3  (attention weights visibly non-uniform)
  * txt_enc.rnn.bias_ih_l0[2D:3D] and bias_ih_l0_reverse[2D:3D] (the n-gate input bias) += 0.5, and
    img_enc.fc.bias = 0.3 (all entries): word and region features get a common positive component,
    so the stage-1 cosines are positive and no score is clamped by the loss
  * fc_out.3: its weight rescaled and its bias set so that the 16 initial camp logits have mean 0
    and standard deviation 0.6 (the gated scores then spread over about (0.2, 0.7) instead of all
    sitting near one value)
  * input.images = U(0, 1) region features (non-negative like BUTD features, norms O(1) after fc).
The script asserts that every camp score lies in (0.05, 0.95) with a spread > 0.2, that the camp gates
are not all near 0.5, that every camp_xattn score lies in (0.05, 0.95), and that the hardest negative
of every row/column beats the second hardest by > 1e-3 in log(1 - P) at the initial parameters and by
> 1e-4 before every Adam step (so a float32 re-implementation picks the same one).

Loss (spec section 2, SimLoss BCE branch with max_violation): P = clamp(S, 1e-6, 1 - 1e-6),
loss = -[2 sum_i log P_ii + sum_i min_j Z_ij + sum_j min_i Z_ij] with Z = log(1 - P) * (1 - I), i.e.
the diagonal zeroed before the min as the official code does. Summed, not averaged.
Training steps: torch.optim.Adam(lr, defaults otherwise) over all parameters, and before each step
torch.nn.utils.clip_grad_norm_(all parameters, 2.0) (coef = 2 / (global L2 norm + 1e-6), applied when
< 1); parameters with no gradient (camp_xattn's fusion head) are skipped by both. lr = 0.001, the
effective Adam lr of the stage-1 config (spec 3.2). Each step's loss is measured before its step, so
step_losses[0] == loss.
Gradients that are zero in exact arithmetic: final_reduce_*.linear.2.bias (a softmax is invariant to a
shift of all its logits; stored as ~1e-17), rows of fc_1/fc_2/fc_out.0 for ReLU units that are off for
every pair, embedding rows of unused ids. Compare them with an absolute tolerance.

Contents of the dump (all tensors float64 unless noted):
  input.images (N, R, img_dim), input.captions (N, 50) int64 zero-padded, input.lengths (N) int64
  param.<name>                        the initial parameters, official names
  <variant>.encoded_images (N, R, D)  img_enc output
  <variant>.encoded_captions (N, 50, D)  txt_enc output, pad rows exactly 0
  <variant>.scores (N images, N captions)  S[i, j] = score(image i, caption j)
  <variant>.loss (1)                  the loss above (a scalar; st_write stores 0-d arrays as shape (1))
  <variant>.grad.<name>               d loss / d parameter (zero tensors for unused parameters)
  <variant>.step_losses (5)           losses of 5 clipped Adam steps
Metadata: the sizes and hyper-parameters, and one line per variant.

Checks (always run, as asserts): a pair scored alone (its image and caption encoded alone) equals its
entry of the batched matrix; for camp, scoring only the L valid word rows with no mask (spec 1.11)
gives the same scores to 1e-12; for camp_xattn, the closed form of spec 1.12 (valid rows + (50 - L)
copies of one pad row, over 50) gives the same to 1e-12; the gradient of the loss matches a central
finite difference (h = 1e-6, to 1e-8 + 1e-6 relative) on the largest-gradient element of 6 parameters
(camp_xattn) or 10 parameters (camp), each of which must have a gradient > 1e-6 there.
"""
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

torch.set_default_dtype(torch.float64)

PAD_LEN = 50
NEG = -1e9
PROJ = ["img_query_fc", "img_key_fc", "txt_query_fc", "txt_key_fc", "weighted_img_query_fc",
        "weighted_img_key_fc", "weighted_txt_query_fc", "weighted_txt_key_fc"]


def l2norm(x, dim=-1, eps=1e-8):
    return x / (x.pow(2).sum(dim=dim, keepdim=True).sqrt() + eps)


def qkv_attention(query, key, value, mask=None):
    """softmax(Q K^T / sqrt(d_q), masked keys -> -1e9) V; mask (..., Lk) with 1 = valid key."""
    logits = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(query.size(-1))
    if mask is not None:
        logits = logits.masked_fill(mask.unsqueeze(-2) == 0, NEG)
    return torch.matmul(torch.softmax(logits, dim=-1), value)


class SummaryAttn(nn.Module):
    """Linear -> ReLU -> Linear(., 4): 4 attention heads over the positions, averaged."""

    def __init__(self, d, heads=4):
        super().__init__()
        self.linear = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, heads))

    def forward(self, x, mask=None):
        e = self.linear(x).transpose(-2, -1)                 # (..., heads, n)
        if mask is not None:
            e = e.masked_fill(mask.unsqueeze(-2) == 0, NEG)
        return torch.matmul(torch.softmax(e, dim=-1), x).mean(-2)


class Sim(nn.Module):
    def __init__(self, d):
        super().__init__()
        for name in PROJ:
            setattr(self, name, nn.Linear(d, d, bias=False))
        self.fc_1 = nn.Sequential(nn.Linear(2 * d, d, bias=False), nn.ReLU(), nn.Dropout(0.0))
        self.fc_2 = nn.Sequential(nn.Linear(2 * d, d, bias=False), nn.ReLU(), nn.Dropout(0.0))
        self.fc_out = nn.Sequential(nn.Linear(2 * d, d), nn.ReLU(), nn.Dropout(0.0), nn.Linear(d, 1), nn.Sigmoid())
        self.final_reduce_1 = SummaryAttn(d)
        self.final_reduce_2 = SummaryAttn(d)
        r = math.sqrt(6.0) / math.sqrt(2 * d)
        for m in [self.img_key_fc, self.txt_key_fc, self.fc_1[0], self.fc_2[0], self.fc_out[0], self.fc_out[3]]:
            nn.init.uniform_(m.weight, -r, r)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class Model(nn.Module):
    def __init__(self, vocab, word_dim, img_dim, d):
        super().__init__()
        self.img_enc = nn.Module()
        self.img_enc.fc = nn.Linear(img_dim, d)
        r = math.sqrt(6.0) / math.sqrt(img_dim + d)
        nn.init.uniform_(self.img_enc.fc.weight, -r, r)
        nn.init.zeros_(self.img_enc.fc.bias)
        self.txt_enc = nn.Module()
        self.txt_enc.embed = nn.Embedding(vocab, word_dim)
        nn.init.uniform_(self.txt_enc.embed.weight, -0.1, 0.1)
        self.txt_enc.rnn = nn.GRU(word_dim, d, 1, batch_first=True, bidirectional=True)
        self.sim = Sim(d)
        self.d = d

    # ---------------------------------------------------------------- encoders (spec 1.1, 1.2)
    def encode(self, images, captions, lengths):
        """images (n, R, img_dim) -> (n, R, D); captions (n, 50) -> (n, 50, D), pads exactly 0."""
        img = self.img_enc.fc(images)                          # no_imgnorm
        order = sorted(range(len(lengths)), key=lambda b: -lengths[b])
        packed = nn.utils.rnn.pack_padded_sequence(self.txt_enc.embed(captions[order]),
                                                   [lengths[b] for b in order], batch_first=True)
        out, _ = self.txt_enc.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=PAD_LEN)
        out = out[[order.index(b) for b in range(len(lengths))]]
        cap = (out[:, :, :self.d] + out[:, :, self.d:]) / 2   # no_txtnorm
        return img, cap

    # ---------------------------------------------------------------- batched scoring (spec 1.4-1.10, 1.12)
    def scores(self, v, t, mask, variant):
        """v (n_img, R, D), t (n_cap, 50, D), mask (n_cap, 50) -> (n_img, n_cap), every pair expanded."""
        s = self.sim
        ni, nc = v.size(0), t.size(0)
        qv, kv = s.img_query_fc(v), s.img_key_fc(v)            # per image
        qt, kt = s.txt_query_fc(t), s.txt_key_fc(t)            # per caption
        ex_i = lambda x: x.unsqueeze(1).expand(-1, nc, -1, -1)  # noqa: E731
        ex_c = lambda x: x.unsqueeze(0).expand(ni, -1, -1, -1)  # noqa: E731
        v4, qv4, kv4 = ex_i(v), ex_i(qv), ex_i(kv)             # (ni, nc, R, D)
        t4, qt4, kt4 = ex_c(t), ex_c(qt), ex_c(kt)             # (ni, nc, 50, D)
        m4 = mask.unsqueeze(0).expand(ni, -1, -1)              # (ni, nc, 50)
        a_t = qkv_attention(qv4, kt4, t4, m4)                  # textual message per region
        a_v = qkv_attention(qt4, kv4, v4)                      # visual message per word position
        f_v = qkv_attention(s.weighted_txt_query_fc(a_t), s.weighted_txt_key_fc(a_t), a_t)
        f_t = qkv_attention(s.weighted_img_query_fc(a_v), s.weighted_img_key_fc(a_v), a_v, m4)
        if variant == "camp_xattn":
            sv = l2norm(f_v.mean(-2))
            st = l2norm(f_t.mean(-2))                          # mean over all 50 rows, pads included
            return (sv * st).sum(-1)
        f_v, f_t = l2norm(f_v), l2norm(f_t)
        g_v = torch.sigmoid((v4 * f_v).sum(-1, keepdim=True))
        g_t = torch.sigmoid((t4 * f_t).sum(-1, keepdim=True))
        h_v = s.fc_1(g_v * torch.cat([v4, f_v], -1)) + v4
        h_t = s.fc_2(g_t * torch.cat([t4, f_t], -1)) + t4
        sv = l2norm(s.final_reduce_1(h_v))
        st = l2norm(s.final_reduce_2(h_t, m4))
        return s.fc_out(torch.cat([sv, st], -1)).squeeze(-1)

    def gates(self, v, t, mask):
        """camp's gates of the valid positions of every pair (for the sensitivity check only)."""
        s = self.sim
        out = []
        for i in range(v.size(0)):
            for j in range(t.size(0)):
                L = int(mask[j].sum())
                vi, tj = v[i], t[j, :L]
                a_t = plain_attn(s.img_query_fc(vi), s.txt_key_fc(tj), tj)
                a_v = plain_attn(s.txt_query_fc(tj), s.img_key_fc(vi), vi)
                f_v = l2norm(plain_attn(s.weighted_txt_query_fc(a_t), s.weighted_txt_key_fc(a_t), a_t))
                f_t = l2norm(plain_attn(s.weighted_img_query_fc(a_v), s.weighted_img_key_fc(a_v), a_v))
                out += [torch.sigmoid((vi * f_v).sum(-1)), torch.sigmoid((tj * f_t).sum(-1))]
        return torch.cat(out)


# -------------------------------------------------------------------- pad-free per-pair forms (checks)
def plain_attn(q, k, v):
    """No mask at all: only valid rows are passed in (exclusion)."""
    return torch.softmax(q @ k.t() / math.sqrt(q.size(-1)), dim=-1) @ v


def plain_summary(sa, x):
    e = sa.linear(x).t()                                       # (4, n)
    return (torch.softmax(e, dim=-1) @ x).mean(0)


def pair_unpadded(model, vi, tj, variant):
    """One pair, vi (R, D), tj (L, D) = only the L valid word rows; spec 1.11 and 1.12's closed form."""
    s = model.sim
    L = tj.size(0)
    a_t = plain_attn(s.img_query_fc(vi), s.txt_key_fc(tj), tj)
    a_v = plain_attn(s.txt_query_fc(tj), s.img_key_fc(vi), vi)
    kf = s.weighted_img_key_fc(a_v)
    f_v = plain_attn(s.weighted_txt_query_fc(a_t), s.weighted_txt_key_fc(a_t), a_t)
    f_t = plain_attn(s.weighted_img_query_fc(a_v), kf, a_v)
    if variant == "camp_xattn":
        pad_row = plain_attn(s.weighted_img_query_fc(vi.mean(0, keepdim=True)), kf, a_v)[0]
        st = (f_t.sum(0) + (PAD_LEN - L) * pad_row) / PAD_LEN
        return (l2norm(f_v.mean(0)) * l2norm(st)).sum()
    f_v, f_t = l2norm(f_v), l2norm(f_t)
    h_v = s.fc_1(torch.sigmoid((vi * f_v).sum(-1, keepdim=True)) * torch.cat([vi, f_v], -1)) + vi
    h_t = s.fc_2(torch.sigmoid((tj * f_t).sum(-1, keepdim=True)) * torch.cat([tj, f_t], -1)) + tj
    sv = l2norm(plain_summary(s.final_reduce_1, h_v))
    st = l2norm(plain_summary(s.final_reduce_2, h_t))
    return s.fc_out(torch.cat([sv, st], -1))[0]


# -------------------------------------------------------------------- loss (spec section 2)
def bce_loss(s, eps=1e-6):
    p = s.clamp(min=eps, max=1 - eps)
    eye = torch.eye(s.size(0))
    pos = torch.log(p) * eye
    neg = torch.log(1 - p) * (1 - eye)                         # diagonal zeroed before the min
    return -(pos.sum() + pos.sum() + neg.min(1)[0].sum() + neg.min(0)[0].sum())


def hardest_margin(s, eps=1e-6):
    """Smallest gap between the hardest and the second-hardest negative over all rows and columns."""
    p = s.detach().clamp(min=eps, max=1 - eps)
    neg = torch.log(1 - p) * (1 - torch.eye(s.size(0)))
    gaps = []
    for m in (neg, neg.t()):
        srt = m.sort(1)[0]
        gaps.append((srt[:, 1] - srt[:, 0]).min())
    return min(float(g) for g in gaps)


VARIANTS = {
    "camp": "final gated model (measure gate_fusion_new): 2-step attention, l2norm messages, scalar gates, "
            "concat fusion + residual, 4-head SummaryAttn, fc_out sigmoid score; BCE hardest-negative loss",
    "camp_xattn": "stage-1 CrossAttentionNew: 2-step attention without message l2norm, no gate/fusion, s_v = mean "
                  "of R rows, s_t = mean of all 50 rows (pads included), cosine score; BCE hardest-negative loss",
}
LR, CLIP, STEPS = 0.001, 2.0, 5  # lr: the effective Adam lr of the stage-1 config (spec 3.2)


def make_inputs(N, R, F, V, lengths):
    images = torch.rand(N, R, F)                               # BUTD features are non-negative
    captions = torch.zeros(N, PAD_LEN, dtype=torch.int64)
    for i, n in enumerate(lengths):
        captions[i, 0] = 1
        captions[i, 1:n - 1] = torch.randint(4, V, (n - 2,))
        captions[i, n - 1] = 2
    mask = (torch.arange(PAD_LEN).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).to(torch.int64)
    return images, captions, mask


def perturb(model, D, images, captions, lengths, mask):
    """Make the small test model sensitive (see the module docstring)."""
    with torch.no_grad():
        model.txt_enc.embed.weight.mul_(10.0)
        for name in PROJ:
            getattr(model.sim, name).weight.mul_(3.0)
        model.txt_enc.rnn.bias_ih_l0[2 * D:3 * D].add_(0.5)
        model.txt_enc.rnn.bias_ih_l0_reverse[2 * D:3 * D].add_(0.5)
        model.img_enc.fc.bias.fill_(0.3)
        # fc_out.3: rescale the weight and set the bias so that the 16 initial camp logits have mean 0
        # and standard deviation 0.6 (the scores then spread around 0.5 instead of sitting at one value)
        model.sim.fc_out[3].bias.zero_()
        img, cap = model.encode(images, captions, lengths)
        z = torch.logit(model.scores(img, cap, mask, "camp"))
        model.sim.fc_out[3].weight.mul_(0.6 / float(z.std()))
        model.sim.fc_out[3].bias.fill_(-float(z.mean()) * 0.6 / float(z.std()))


def forward_loss(model, images, captions, lengths, mask, variant):
    img, cap = model.encode(images, captions, lengths)
    s = model.scores(img, cap, mask, variant)
    return img, cap, s, bce_loss(s)


def check(model, images, captions, lengths, mask, variant, img, cap, s):
    """The asserts of the module docstring, for one variant at the initial parameters."""
    with torch.no_grad():
        n = images.size(0)
        for i in range(n):
            for j in range(n):
                vi, tj = model.encode(images[i:i + 1], captions[j:j + 1], lengths[j:j + 1])
                alone = model.scores(vi, tj, mask[j:j + 1], variant)[0, 0]
                assert abs(float(alone - s[i, j])) < 1e-12, (variant, "pair alone", i, j, float(alone - s[i, j]))
                L = lengths[j]
                assert float(cap[j, L:].abs().max()) == 0.0, "pad rows of the encoded captions must be exactly 0"
                unp = pair_unpadded(model, img[i], cap[j, :L], variant)
                assert abs(float(unp - s[i, j])) < 1e-12, (variant, "pad-free form", i, j, float(unp - s[i, j]))
        assert float(s.min()) > 0.05 and float(s.max()) < 0.95, (variant, "scores not in (0.05, 0.95)", s)
        if variant == "camp":
            assert float(s.max() - s.min()) > 0.2, ("camp scores not spread", s)
            g = model.gates(img, cap, mask)
            assert float((g - 0.5).abs().max()) > 0.2 and float(g.std()) > 0.05, ("camp gates too close to 0.5", g)
        assert hardest_margin(s) > 1e-3, (variant, "hardest negatives nearly tied", hardest_margin(s))
    # finite differences on a few parameter elements (float64, central difference)
    model.zero_grad()
    _, _, _, loss = forward_loss(model, images, captions, lengths, mask, variant)
    loss.backward()
    names = ["txt_enc.embed.weight", "txt_enc.rnn.weight_hh_l0", "txt_enc.rnn.bias_ih_l0_reverse",
             "img_enc.fc.weight", "sim.txt_key_fc.weight", "sim.weighted_img_query_fc.weight"]
    if variant == "camp":
        names += ["sim.fc_1.0.weight", "sim.fc_2.0.weight", "sim.final_reduce_2.linear.0.weight", "sim.fc_out.0.bias"]
    params = dict(model.named_parameters())
    # for each parameter, the element with the largest gradient
    picks = []
    for n in names:
        flat, idx = int(params[n].grad.abs().argmax()), []
        for size in reversed(params[n].shape):
            idx.insert(0, flat % size)
            flat //= size
        picks.append((n, tuple(idx)))
    h = 1e-6
    for name, idx in picks:
        p = params[name]
        analytic = float(p.grad[idx])
        with torch.no_grad():
            old = float(p[idx])
            p[idx] = old + h
            lp = float(forward_loss(model, images, captions, lengths, mask, variant)[3])
            p[idx] = old - h
            lm = float(forward_loss(model, images, captions, lengths, mask, variant)[3])
            p[idx] = old
        fd = (lp - lm) / (2 * h)
        assert abs(fd - analytic) <= 1e-8 + 1e-6 * abs(analytic), (variant, name, idx, fd, analytic)
        assert abs(analytic) > 1e-6, (variant, name, idx, "gradient too small to be a useful check", analytic)
    model.zero_grad()


def main(path):
    torch.manual_seed(2027)
    N, R, F, V, W, D = 4, 5, 10, 20, 6, 8
    lengths = [7, 2, 5, 4]
    images, captions, mask = make_inputs(N, R, F, V, lengths)
    base = Model(V, W, F, D)
    perturb(base, D, images, captions, lengths, mask)
    init = {k: v.detach().clone() for k, v in base.state_dict().items()}
    out = {"input.images": images, "input.captions": captions, "input.lengths": torch.tensor(lengths)}
    for k, v in init.items():
        out["param." + k] = v
    meta = {"N": N, "R": R, "img_dim": F, "vocab": V, "word_dim": W, "embed_size": D, "lr": LR, "grad_clip": CLIP,
            "pad_length": PAD_LEN, "lengths": lengths, "torch": torch.__version__}
    for variant, desc in VARIANTS.items():
        model = Model(V, W, F, D)
        model.load_state_dict(init)
        img, cap, s, loss = forward_loss(model, images, captions, lengths, mask, variant)
        loss.backward()
        out[variant + ".encoded_images"] = img.detach()
        out[variant + ".encoded_captions"] = cap.detach()
        out[variant + ".scores"] = s.detach()
        out[variant + ".loss"] = loss.detach()
        for k, p in model.named_parameters():
            out[variant + ".grad." + k] = p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
        check(model, images, captions, lengths, mask, variant, img.detach(), cap.detach(), s.detach())
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        losses = []
        for _ in range(STEPS):
            opt.zero_grad()
            _, _, s_k, loss_k = forward_loss(model, images, captions, lengths, mask, variant)
            margin = hardest_margin(s_k)
            assert margin > 1e-4, (variant, "hardest negatives nearly tied during the steps", margin)
            loss_k.backward()
            nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
            losses.append(loss_k.item())
        assert losses[0] == float(loss)
        out[variant + ".step_losses"] = torch.tensor(losses)
        meta[variant] = desc
        print(f"{variant}: scores in [{float(s.min()):.4f}, {float(s.max()):.4f}], loss {float(loss):.6f}, "
              f"step losses {[round(x, 6) for x in losses]}")
        print(s.detach())
    st_write.write(path, {k: v.numpy() for k, v in out.items()}, meta)
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/camp_golden.safetensors")
