# SPDX-License-Identifier: MIT
"""A PyTorch model of PCME on region features ("PCME-SCAN", docs/PCME_SPEC.md 8.3: the image head of 1.2
applied to R region vectors and their mean, no CNN) written from the spec (shared docs), used only to
make the golden data that the C++ tests compare against:

    /usr/bin/python3 tools/pcme_reference.py tests/fixtures/pcme_golden.safetensors

Everything runs in float64 so the dump is an oracle, not a float32 sample. The sampling noise is an
INPUT (spec 10.5): eps_img and eps_txt are fixed and reused at every forward, including the training
steps.

Model (spec 1.2-1.5, 2; parameter names of 6.2 without img_enc.cnn.*):
  att(X, mask) = sum_r softmax_r(w_2 tanh(w_1 x_r)) x_r, w_1: Linear(d_in, d_in // 2, no bias),
                 w_2: Linear(d_in // 2, 1, no bias); masked (pad) positions get -inf before the softmax
  image i, X = its R regions (no mask), p = mean of the R regions:
    mu     = normalize(pie_net.layer_norm(fc(p) + sigmoid(pie_net.fc(att_pie(X)))))
    logsig = uncertain_net.fc(att_unc(X)) + uncertain_net.fc2(p)
  caption j, E = embed(ids) (L valid positions, pads masked / excluded):
    h      = bidirectional GRU rnn over E (gate order r, z, n; hidden D/2 per direction), read at the
             last valid position L-1: [h_fwd(L-1) ; h_bwd(L-1)], where h_bwd(L-1) has seen only the
             last token <end> (spec 10.7; asserted: it is the same vector for every caption)
    mu     = normalize(pie_net.layer_norm(h + sigmoid(pie_net.fc(att_pie(E)))))
    logsig = uncertain_net.fc(att_unc(E)) + [last-position output of uncertain_net.rnn over E]
  LayerNorm eps 1e-5 (affine); normalize(x) = x / max(||x||, 1e-12)
  samples z_k = mu + exp(logsig) * eps_k, k < K (logsig a log-std here)
  d = sqrt(||z - z'||^2 + 1e-6) by direct differences; s = -a d + b (a = criterion.negative_scale,
  b = criterion.shift); NLL_ij = -log(mean over the K x K sample pairs of sigmoid(2 m_ij s)),
  m_ij = +1 if i == j (caption j belongs to image j) else -1, computed as
  log K^2 - logsumexp_{a,b} logsigmoid(2 m s)
  loss.i2t = sum over all N^2 (image, caption) pairs of NLL; loss.t2i = the same sum with the captions
  as anchors (distances recomputed from the caption side; equal up to summation order)
  KL_x = -0.5 sum_{i,d}(1 + logsig - zbar^2 - exp(logsig)), zbar = mean of the K samples (logsig a
  log-variance here, spec 10.3); loss.total = i2t + t2i + beta (KL_img + KL_txt). No uniform loss.

Sizes: N = 4 images and 4 captions (caption j belongs to image j), R = 5 regions, img_dim = 10 (image
attention hidden 5), vocab = 20, word_dim = 6 (text attention hidden 3), D = 8 (GRU hidden 4 per
direction), K = 3 samples, caption lengths 7, 2, 5, 4 including <start> (id 1) and <end> (id 2),
word ids in [4, 20), padding id 0, captions padded to the longest (7).

Initialisation: spec 6.2 at these sizes (img_enc.fc and uncertain_net.fc2 PyTorch's default Linear
init; attention w_1/w_2, pie_net.fc and uncertain_net.fc Xavier-uniform weights with zero biases;
LayerNorm 1/0; embedding N(0, 1) standing in for GloVe; GRUs PyTorch's default U(+-1/sqrt(4))), torch
seed 2031. Then, so that the test is sensitive, these deterministic changes:
  * every attention w_2.weight x 4 (attention weights visibly non-uniform; asserted: in every pooled
    set the largest weight is > 1.5 x the smallest)
  * pie_net.layer_norm.weight = 1 + U(-0.3, 0.3), .bias = U(-0.2, 0.2) (image and text)
  * uncertain_net.fc.bias = -2.0 on both sides (sigma = exp(logsig) in 0.03-1.43, median ~0.1-0.2, so
    the samples stay near their means and the match probabilities are not all saturated)
  * criterion: a = negative_scale = 1.5, b = shift = 2.5 (instead of 15, 15, sized to the sample
    distances here, ~1.1-4.0, median 1.8); beta = 0.1 (instead of 1e-5, so the KL gradient is visible)
  * input.images = U(0, 1) region features (non-negative like BUTD features)
  * eps = N(0, 1) draws (seeded)
The script asserts at the initial parameters that >= 85 % of the N^2 K^2 values sigmoid(2s) lie in
(0.02, 0.98) and that they spread (max - min > 0.5), that match_prob spreads (max - min > 0.2), that
the sigmas differ (std of logsig > 0.1 on each side), and that beta (KL_img + KL_txt) is > 5 % of the
loss.

Training: 3 steps of AdamP (tools/make_adamp_golden.py AdamPRef, written from the equations: betas
(0.9, 0.999), eps 1e-8, delta 0.1, wd_ratio 0.1, weight_decay 0, nesterov off) with lr 0.01 over all
model parameters (named_parameters order) plus a and b (1-D, never projected), and before each step
torch.nn.utils.clip_grad_norm_(model parameters only, NOT a and b, max_norm 2.0) (coef =
2 / (global L2 norm + 1e-6), applied when < 1). The same eps at every step. step_losses[k] is the loss
measured before step k (step_losses[0] == loss.total). If the `adamp` package is importable (also
from /tmp/adamp_pkg, see make_adamp_golden.py) the 3 steps are replayed with adamp.AdamP and must give
the same parameters to 1e-12; the metadata key `adamp_package` says whether that ran.
Gradients that are zero in exact arithmetic: embedding rows of ids that do not occur (0, 3 and unused
word ids), and txt_enc.rnn.weight_hh_l0_reverse / txt_enc.uncertain_net.rnn.weight_hh_l0_reverse
(exactly 0: the backward output read at L-1 is one GRU step from h = 0). Compare them with an absolute
tolerance. A zero gradient has cosine 0 with its weights, so AdamP's channel projection "fires" on
those two tensors (harmlessly: their update is 0). During the 3 steps the projection also fires for
real on several tensors (e.g. img_enc.uncertain_net.attention.w_1.weight via the layer view at every
step, txt_enc.embed.weight at step 3); every projection test is asserted > 1e-6 (relative) from its
threshold (the smallest margin is ~0.02).

Contents of the dump (float64 unless noted; st_write stores 0-d arrays as shape (1)):
  config.N, config.R, config.img_dim, config.vocab, config.word_dim, config.D, config.K,
  config.steps (i64, (1)); config.beta, config.lr, config.grad_clip, config.dist_eps (1e-6),
  config.ln_eps (1e-5), config.adamp_eps (1e-8), config.adamp_delta (0.1) ((1))
  input.images (N, R, img_dim), input.captions (N, 7) i64 zero-padded, input.lengths (N) i64,
  input.eps_img, input.eps_txt (N, K, D)
  param.<name>       the initial parameters (official names, criterion.negative_scale / .shift (1))
  img.mu, img.logsig, txt.mu, txt.logsig (N, D); img.samples, txt.samples (N, K, D)
  match_prob (N images, N captions)  mean over the K x K sample pairs of sigmoid(2 s) (all pairs
                                     treated as positives)
  matmul_score (N, N)                sum over the K x K sample pairs of <z_i^a, z'_j^b>
  loss.i2t, loss.t2i, loss.kl_img, loss.kl_txt, loss.total   scalars
  grad.<name>        d loss.total / d parameter, every parameter including criterion.*
  step_losses (3)    the loss before each AdamP step
  after.<name>       every parameter after the 3 steps

Checks (always run, as asserts): the batched forward (padded captions, packed GRUs, masked attention)
equals a per-item loop formulation (each image alone, each caption alone with only its L valid tokens,
no mask, a GRU written from its equations, LayerNorm and normalize from their formulas, the loss
summed pair by pair and sample pair by sample pair as -log(mean(sigmoid))) to 1e-12 for mu/logsig and
1e-10 for the loss, and its autograd gradients equal the batched model's to 1e-10; the loss by
differences equals the Gram form (||z||^2 + ||z'||^2 - 2 <z, z'>) to 1e-10; changing the pad ids changes
nothing; torch.autograd.gradcheck of the loop formulation on a sub-problem (images 0, 1, captions 0, 3,
K = 2, all parameters as inputs).
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402
from make_adamp_golden import AdamPRef, import_adamp  # noqa: E402

torch.set_default_dtype(torch.float64)

N, R, IMG_DIM, VOCAB, WORD_DIM, D, K = 4, 5, 10, 20, 6, 8, 3
LENGTHS = [7, 2, 5, 4]
A_INIT, B_INIT, BETA = 1.5, 2.5, 0.1
LR, CLIP, STEPS = 0.01, 2.0, 3
DIST_EPS, LN_EPS = 1e-6, 1e-5


# ==================================================================== batched model
class Attention(nn.Module):
    """Single-head attention pooling (spec 1.2): w_1 (d_h x d_in), w_2 (1 x d_h), no biases."""

    def __init__(self, d_in):
        super().__init__()
        self.w_1 = nn.Linear(d_in, d_in // 2, bias=False)
        self.w_2 = nn.Linear(d_in // 2, 1, bias=False)
        nn.init.xavier_uniform_(self.w_1.weight)
        nn.init.xavier_uniform_(self.w_2.weight)

    def forward(self, x, mask=None):
        """x (n, L, d_in), mask (n, L) bool with True = valid -> pooled (n, d_in), weights (n, L)."""
        e = self.w_2(torch.tanh(self.w_1(x))).squeeze(-1)
        if mask is not None:
            e = e.masked_fill(~mask, -math.inf)
        alpha = torch.softmax(e, dim=-1)
        return (alpha.unsqueeze(-1) * x).sum(1), alpha


def xavier_linear(d_in, d_out):
    lin = nn.Linear(d_in, d_out)
    nn.init.xavier_uniform_(lin.weight)
    nn.init.zeros_(lin.bias)
    return lin


class PieNet(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.attention = Attention(d_in)
        self.fc = xavier_linear(d_in, d_out)
        self.layer_norm = nn.LayerNorm(d_out, eps=LN_EPS)


class ImageUncertainty(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.attention = Attention(d_in)
        self.fc = xavier_linear(d_in, d_out)
        self.fc2 = nn.Linear(d_in, d_out)       # PyTorch's default init (spec 6.2)


class TextUncertainty(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.attention = Attention(d_in)
        self.fc = xavier_linear(d_in, d_out)
        self.rnn = nn.GRU(d_in, d_out // 2, 1, batch_first=True, bidirectional=True)


def gru_last(rnn, x, lengths):
    """Bidirectional GRU over the packed valid positions; the concatenated output at position L-1."""
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, _ = rnn(packed)
    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    return out[torch.arange(x.size(0)), lengths - 1]


class ImageEncoder(nn.Module):
    def __init__(self, d_in, d):
        super().__init__()
        self.fc = nn.Linear(d_in, d)            # PyTorch's default init (spec 10.9)
        self.pie_net = PieNet(d_in, d)
        self.uncertain_net = ImageUncertainty(d_in, d)

    def forward(self, x):
        p = x.mean(1)
        att, a1 = self.pie_net.attention(x)
        res = torch.sigmoid(self.pie_net.fc(att))
        mu = F.normalize(self.pie_net.layer_norm(self.fc(p) + res), dim=-1)
        att_u, a2 = self.uncertain_net.attention(x)
        logsig = self.uncertain_net.fc(att_u) + self.uncertain_net.fc2(p)
        return mu, logsig, (a1, a2)


class TextEncoder(nn.Module):
    def __init__(self, vocab, word_dim, d):
        super().__init__()
        self.embed = nn.Embedding(vocab, word_dim)
        nn.init.normal_(self.embed.weight)
        self.rnn = nn.GRU(word_dim, d // 2, 1, batch_first=True, bidirectional=True)
        self.pie_net = PieNet(word_dim, d)
        self.uncertain_net = TextUncertainty(word_dim, d)

    def forward(self, captions, lengths):
        e = self.embed(captions)
        mask = torch.arange(captions.size(1)).unsqueeze(0) < lengths.unsqueeze(1)
        sent = gru_last(self.rnn, e, lengths)
        att, a1 = self.pie_net.attention(e, mask)
        mu = F.normalize(self.pie_net.layer_norm(sent + torch.sigmoid(self.pie_net.fc(att))), dim=-1)
        att_u, a2 = self.uncertain_net.attention(e, mask)
        logsig = self.uncertain_net.fc(att_u) + gru_last(self.uncertain_net.rnn, e, lengths)
        return mu, logsig, (a1, a2), sent


class Criterion(nn.Module):
    def __init__(self):
        super().__init__()
        self.negative_scale = nn.Parameter(torch.tensor([A_INIT]))
        self.shift = nn.Parameter(torch.tensor([B_INIT]))


class PCME(nn.Module):
    def __init__(self):
        super().__init__()
        self.img_enc = ImageEncoder(IMG_DIM, D)
        self.txt_enc = TextEncoder(VOCAB, WORD_DIM, D)
        self.criterion = Criterion()

    def model_parameters(self):
        return [p for n, p in self.named_parameters() if not n.startswith("criterion.")]


def sample(mu, logsig, eps):
    return mu.unsqueeze(1) + torch.exp(logsig).unsqueeze(1) * eps


def pair_distances(za, zb):
    """za (n, K, D) anchors, zb (m, K, D) -> (n, m, K, K) sqrt(||za - zb||^2 + 1e-6), direct differences."""
    diff = za[:, None, :, None, :] - zb[None, :, None, :, :]
    return torch.sqrt((diff * diff).sum(-1) + DIST_EPS)


def gram_distances(za, zb):
    sq = (za * za).sum(-1)[:, None, :, None] + (zb * zb).sum(-1)[None, :, None, :] \
        - 2 * torch.einsum("ikd,jld->ijkl", za, zb)
    return torch.sqrt(sq.clamp_min(0) + DIST_EPS)


def nll_sum(d, a, b):
    """Sum over the (anchor, other) pairs of -log mean_{k,l} sigmoid(2 m s); positives on the diagonal."""
    k2 = d.size(2) * d.size(3)
    s = -a * d + b
    m = (2 * torch.eye(d.size(0), d.size(1)) - 1)[:, :, None, None]
    nll = math.log(k2) - torch.logsumexp(F.logsigmoid(2 * m * s).flatten(2), dim=-1)
    return nll.sum()


def kl(logsig, z):
    zbar = z.mean(1)
    return -0.5 * (1 + logsig - zbar * zbar - torch.exp(logsig)).sum()


def forward(model, images, captions, lengths, eps_img, eps_txt, dist=pair_distances):
    img_mu, img_logsig, img_att = model.img_enc(images)
    txt_mu, txt_logsig, txt_att, sent = model.txt_enc(captions, lengths)
    zi, zt = sample(img_mu, img_logsig, eps_img), sample(txt_mu, txt_logsig, eps_txt)
    a, b = model.criterion.negative_scale, model.criterion.shift
    i2t = nll_sum(dist(zi, zt), a, b)
    t2i = nll_sum(dist(zt, zi), a, b)
    kl_img, kl_txt = kl(img_logsig, zi), kl(txt_logsig, zt)
    total = i2t + t2i + BETA * (kl_img + kl_txt)
    return dict(img_mu=img_mu, img_logsig=img_logsig, txt_mu=txt_mu, txt_logsig=txt_logsig, zi=zi, zt=zt,
                i2t=i2t, t2i=t2i, kl_img=kl_img, kl_txt=kl_txt, total=total, att=list(img_att) + list(txt_att),
                sent=sent)


# ==================================================================== per-item loop formulation (checks)
def lin(P, name, x, bias=True):
    y = x @ P[name + ".weight"].t()
    return y + P[name + ".bias"] if bias else y


def plain_att(P, name, x):
    """x (L, d_in): only valid rows are passed in, no mask."""
    e = lin(P, name + ".w_2", torch.tanh(lin(P, name + ".w_1", x, False)), False)[:, 0]
    return torch.softmax(e, 0) @ x


def layer_norm(P, name, x):
    m = x.mean()
    v = ((x - m) ** 2).mean()
    return (x - m) / torch.sqrt(v + LN_EPS) * P[name + ".weight"] + P[name + ".bias"]


def normalize(x):
    return x / torch.clamp(torch.sqrt((x * x).sum()), min=1e-12)


def gru_dir(P, name, suffix, xs):
    """One GRU direction from its equations over the rows of xs; gates r, z, n stacked in that order."""
    wi, wh = P[f"{name}.weight_ih_l0{suffix}"], P[f"{name}.weight_hh_l0{suffix}"]
    bi, bh = P[f"{name}.bias_ih_l0{suffix}"], P[f"{name}.bias_hh_l0{suffix}"]
    H = wh.size(1)
    h = torch.zeros(H)
    for x in xs:
        gi, gh = wi @ x + bi, wh @ h + bh
        r = torch.sigmoid(gi[:H] + gh[:H])
        z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
        n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
        h = (1 - z) * n + z * h
    return h


def bigru_last(P, name, e):
    """Output at the last position L-1: forward state after all L tokens, backward state after token L-1 only."""
    return torch.cat([gru_dir(P, name, "", e), gru_dir(P, name, "_reverse", e[-1:])])


def image_alone(P, x):
    p = x.mean(0)
    res = torch.sigmoid(lin(P, "img_enc.pie_net.fc", plain_att(P, "img_enc.pie_net.attention", x)))
    mu = normalize(layer_norm(P, "img_enc.pie_net.layer_norm", lin(P, "img_enc.fc", p) + res))
    logsig = lin(P, "img_enc.uncertain_net.fc", plain_att(P, "img_enc.uncertain_net.attention", x)) \
        + lin(P, "img_enc.uncertain_net.fc2", p)
    return mu, logsig


def caption_alone(P, ids):
    e = P["txt_enc.embed.weight"][ids]
    sent = bigru_last(P, "txt_enc.rnn", e)
    res = torch.sigmoid(lin(P, "txt_enc.pie_net.fc", plain_att(P, "txt_enc.pie_net.attention", e)))
    mu = normalize(layer_norm(P, "txt_enc.pie_net.layer_norm", sent + res))
    logsig = lin(P, "txt_enc.uncertain_net.fc", plain_att(P, "txt_enc.uncertain_net.attention", e)) \
        + bigru_last(P, "txt_enc.uncertain_net.rnn", e)
    return mu, logsig, sent


def loop_forward(P, images, captions, lengths, eps_img, eps_txt):
    """The whole loss item by item and pair by pair (no padding anywhere)."""
    n_img, n_cap, k = images.size(0), captions.size(0), eps_img.size(1)
    imgs = [image_alone(P, images[i]) for i in range(n_img)]
    caps = [caption_alone(P, captions[j, :int(lengths[j])]) for j in range(n_cap)]
    zi = [mu + torch.exp(ls) * eps_img[i] for i, (mu, ls) in enumerate(imgs)]
    zt = [mu + torch.exp(ls) * eps_txt[j] for j, (mu, ls, _) in enumerate(caps)]
    a, b = P["criterion.negative_scale"][0], P["criterion.shift"][0]
    i2t = 0.0
    for i in range(n_img):
        for j in range(n_cap):
            m = 1.0 if i == j else -1.0
            acc = 0.0
            for ka in range(k):
                for kb in range(k):
                    diff = zi[i][ka] - zt[j][kb]
                    s = -a * torch.sqrt((diff * diff).sum() + DIST_EPS) + b
                    acc = acc + torch.sigmoid(2 * m * s)
            i2t = i2t - torch.log(acc / (k * k))
    kls = []
    for side, z in ((imgs, zi), (caps, zt)):
        tot = 0.0
        for item, zz in zip(side, z):
            zbar = zz.mean(0)
            tot = tot - 0.5 * (1 + item[1] - zbar * zbar - torch.exp(item[1])).sum()
        kls.append(tot)
    total = 2 * i2t + BETA * (kls[0] + kls[1])
    return dict(imgs=imgs, caps=caps, i2t=i2t, kl_img=kls[0], kl_txt=kls[1], total=total)


# ==================================================================== data, perturbation, checks
def make_inputs():
    images = torch.rand(N, R, IMG_DIM)
    lmax = max(LENGTHS)
    captions = torch.zeros(N, lmax, dtype=torch.int64)
    for i, n in enumerate(LENGTHS):
        captions[i, 0] = 1
        captions[i, 1:n - 1] = torch.randint(4, VOCAB, (n - 2,))
        captions[i, n - 1] = 2
    lengths = torch.tensor(LENGTHS, dtype=torch.int64)
    eps_img, eps_txt = torch.randn(N, K, D), torch.randn(N, K, D)
    return images, captions, lengths, eps_img, eps_txt


def perturb(model):
    with torch.no_grad():
        for enc in (model.img_enc, model.txt_enc):
            enc.pie_net.attention.w_2.weight.mul_(4.0)
            enc.uncertain_net.attention.w_2.weight.mul_(4.0)
            ln = enc.pie_net.layer_norm
            ln.weight.copy_(1 + (torch.rand(D) * 2 - 1) * 0.3)
            ln.bias.copy_((torch.rand(D) * 2 - 1) * 0.2)
            enc.uncertain_net.fc.bias.fill_(-2.0)


def sensitivity(out, a, b):
    zi, zt = out["zi"].detach(), out["zt"].detach()
    sig = torch.sigmoid(2 * (-a * pair_distances(zi, zt) + b))
    inside = float(((sig > 0.02) & (sig < 0.98)).double().mean())
    mp = sig.mean((2, 3))
    print(f"sigmoid(2s) in [{float(sig.min()):.4f}, {float(sig.max()):.4f}], {100 * inside:.1f} % in (0.02, 0.98); "
          f"match_prob in [{float(mp.min()):.4f}, {float(mp.max()):.4f}]")
    assert inside >= 0.85, ("match probabilities saturated", inside)
    assert float(sig.max() - sig.min()) > 0.5, "sigmoid(2s) not spread"
    assert float(mp.max() - mp.min()) > 0.2, "match_prob not spread"
    for side in ("img_logsig", "txt_logsig"):
        assert float(out[side].detach().std()) > 0.1, (side, "sigmas nearly equal")
    for alpha in out["att"]:
        for row, n in zip(alpha.detach(), [R] * N if alpha.size(1) == R else LENGTHS):
            w = row[:n]
            assert float(w.max() / w.min()) > 1.5, ("attention nearly uniform", w)
    kl_part = BETA * float(out["kl_img"] + out["kl_txt"])
    assert kl_part > 0.05 * float(out["total"]), ("KL term invisible", kl_part, float(out["total"]))
    print(f"logsig std img {float(out['img_logsig'].std()):.3f} txt {float(out['txt_logsig'].std()):.3f}; "
          f"beta KL = {kl_part:.4f} of loss {float(out['total']):.4f}")
    return mp


def check(model, images, captions, lengths, eps_img, eps_txt, out):
    P = dict(model.named_parameters())
    # the backward half of every sentence vector is the same (spec 10.7)
    sent = out["sent"].detach()
    assert float((sent[:, D // 2:] - sent[:1, D // 2:]).abs().max()) < 1e-15, "backward half not constant"
    # pads change nothing
    cap2 = captions.clone()
    cap2[torch.arange(captions.size(1)).unsqueeze(0) >= lengths.unsqueeze(1)] = 7
    out2 = forward(model, images, cap2, lengths, eps_img, eps_txt)
    for key in ("txt_mu", "txt_logsig", "total"):
        assert torch.equal(out2[key], out[key]), ("pad ids changed", key)
    # Gram form
    gram = forward(model, images, captions, lengths, eps_img, eps_txt, dist=gram_distances)
    assert abs(float(gram["total"] - out["total"])) < 1e-10, ("Gram form", float(gram["total"] - out["total"]))
    assert abs(float(out["i2t"] - out["t2i"])) < 1e-10
    # per-item loop formulation: values and gradients
    loop = loop_forward(P, images, captions, lengths, eps_img, eps_txt)
    items = [("img", i, mu, ls) for i, (mu, ls) in enumerate(loop["imgs"])]
    items += [("txt", j, mu, ls) for j, (mu, ls, _) in enumerate(loop["caps"])]
    for side, i, mu, ls in items:
        assert float((mu - out[side + "_mu"][i]).abs().max()) < 1e-12, (side, i, "mu")
        assert float((ls - out[side + "_logsig"][i]).abs().max()) < 1e-12, (side, i, "logsig")
    for key in ("i2t", "kl_img", "kl_txt", "total"):
        assert abs(float(loop[key] - out[key])) < 1e-10, ("loop loss", key, float(loop[key] - out[key]))
    names = list(P)
    g_batched = torch.autograd.grad(out["total"], [P[n] for n in names], retain_graph=True)
    g_loop = torch.autograd.grad(loop["total"], [P[n] for n in names])
    for n, gb, gl in zip(names, g_batched, g_loop):
        assert float((gb - gl).abs().max()) < 1e-10, ("loop gradient", n, float((gb - gl).abs().max()))
    # gradcheck of the loop formulation on a sub-problem, every parameter an input
    sub_i, sub_j = [0, 1], [0, 3]
    tensors = [P[n].detach().clone().requires_grad_(True) for n in names]

    def f(*ts):
        return loop_forward(dict(zip(names, ts)), images[sub_i], captions[sub_j], lengths[sub_j],
                            eps_img[sub_i, :2], eps_txt[sub_j, :2])["total"]

    assert torch.autograd.gradcheck(f, tuple(tensors), eps=1e-6, atol=1e-7, rtol=1e-6)
    print("checks passed: loop formulation, Gram form, pads, constant backward half, gradcheck")


def train(init, inputs, opt_kind, pkg=None):
    model = PCME()
    model.load_state_dict(init)
    params = model.model_parameters()
    crit = [model.criterion.negative_scale, model.criterion.shift]
    if opt_kind == "ref":
        opt = AdamPRef(params + crit, lr=LR)
    else:
        opt = pkg(params + crit, lr=LR)
    losses, clipped = [], []
    for _ in range(STEPS):
        for p in params + crit:
            p.grad = None
        loss = forward(model, *inputs)["total"]
        loss.backward()
        clipped.append(float(torch.nn.utils.clip_grad_norm_(params, CLIP)))
        opt.step()
        losses.append(loss.item())
    return model, losses, clipped, (opt.min_margin if opt_kind == "ref" else None)


def main(path):
    torch.manual_seed(2031)
    images, captions, lengths, eps_img, eps_txt = make_inputs()
    model = PCME()
    perturb(model)
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    inputs = (images, captions, lengths, eps_img, eps_txt)

    out = forward(model, *inputs)
    a, b = model.criterion.negative_scale.detach(), model.criterion.shift.detach()
    mp = sensitivity(out, a, b)
    check(model, *inputs, out)
    model.zero_grad()
    out["total"].backward()

    t = {}
    for k, v in [("N", N), ("R", R), ("img_dim", IMG_DIM), ("vocab", VOCAB), ("word_dim", WORD_DIM), ("D", D),
                 ("K", K), ("steps", STEPS)]:
        t["config." + k] = torch.tensor(v, dtype=torch.int64)
    for k, v in [("beta", BETA), ("lr", LR), ("grad_clip", CLIP), ("dist_eps", DIST_EPS), ("ln_eps", LN_EPS),
                 ("adamp_eps", 1e-8), ("adamp_delta", 0.1)]:
        t["config." + k] = torch.tensor(v)
    t.update({"input.images": images, "input.captions": captions, "input.lengths": lengths,
              "input.eps_img": eps_img, "input.eps_txt": eps_txt})
    for k, v in init.items():
        t["param." + k] = v
    for side in ("img", "txt"):
        t[f"{side}.mu"] = out[f"{side}_mu"]
        t[f"{side}.logsig"] = out[f"{side}_logsig"]
    t["img.samples"], t["txt.samples"] = out["zi"], out["zt"]
    t["match_prob"] = mp
    t["matmul_score"] = torch.einsum("ikd,jld->ij", out["zi"], out["zt"])
    assert torch.allclose(t["matmul_score"], K * K * out["zi"].mean(1) @ out["zt"].mean(1).t(), rtol=0, atol=1e-12)
    for key in ("i2t", "t2i", "kl_img", "kl_txt", "total"):
        t["loss." + key] = out[key]
    for n, p in model.named_parameters():
        t["grad." + n] = p.grad

    trained, losses, norms, margin = train(init, inputs, "ref")
    assert losses[0] == float(out["total"])
    assert margin > 1e-6, ("an AdamP projection test sits on its threshold", margin)
    print(f"step losses {losses}; model grad norms before clipping {[round(x, 4) for x in norms]}; "
          f"smallest projection-test margin {margin:.3g}")
    assert all(x > CLIP for x in norms), "the clipping should be active at every step"
    t["step_losses"] = torch.tensor(losses)
    for n, p in trained.named_parameters():
        t["after." + n] = p
    meta = {"sizes": f"N {N} R {R} img_dim {IMG_DIM} vocab {VOCAB} word_dim {WORD_DIM} D {D} K {K}",
            "lengths": LENGTHS, "a_b_beta": f"{A_INIT} {B_INIT} {BETA}", "lr": LR, "grad_clip": CLIP,
            "steps": STEPS, "torch": torch.__version__, "adamp_package": "absent: not cross-checked"}
    pkg = import_adamp()
    if pkg is not None:
        other, losses2, _, _ = train(init, inputs, "pkg", pkg)
        ref = dict(trained.named_parameters())
        worst = max(float((p - ref[n]).abs().max()) for n, p in other.named_parameters())
        assert worst < 1e-12, ("differs from the adamp package", worst)
        from importlib import metadata
        meta["adamp_package"] = f"adamp {metadata.version('adamp')}: the 3 steps agree to {worst:.2e} (< 1e-12)"
    print("adamp package cross-check:", meta["adamp_package"])
    st_write.write(path, {k: v.detach().numpy() for k, v in t.items()}, meta)
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/pcme_golden.safetensors")
