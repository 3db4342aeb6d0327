# SPDX-License-Identifier: MIT
"""Golden data for the AdamP optimizer test (PCME's optimizer, docs/PCME_SPEC.md 3.2; Heo et al. 2021,
clovaai/AdamP), computed with float64 torch ops (Debian's python3-torch):

    /usr/bin/python3 tools/make_adamp_golden.py tests/fixtures

Writes tests/fixtures/adamp_golden.safetensors, read by tests/train/test_adamp.cpp without Python. All
values are float64 so the comparison measures the C++ code, not rounding.

Which implementation made the numbers: `adamp_step` below, written from the equations (never from the
package's code). If the `adamp` package (PyPI adamp 0.3.0) is importable -- the script also looks in
/tmp/adamp_pkg, where `pip install --no-deps --target /tmp/adamp_pkg adamp` puts it -- every
configuration is replayed with adamp.AdamP and the parameters after every step must agree to 1e-12
(absolute); the metadata key `adamp_package` says whether that ran. Without the package the script
still runs and writes the same file.

AdamP step for one parameter tensor p with gradient g (parameters without a gradient at a step are
skipped entirely: no moment update, their step count t does not advance):
    t += 1;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2          (b1 0.9, b2 0.999, m = v = 0 at t 0)
    denom = sqrt(v) / sqrt(1 - b2^t) + eps;  step_size = lr / (1 - b1^t)          (eps 1e-8)
    u = m / denom            (nesterov: u = (b1 m + (1 - b1) g) / denom, with the updated m)
    wd_ratio_used = 1
    if p.dim() > 1: for view in [(shape[0], -1) "channel", (1, -1) "layer"]:
        cos_r = |<g_r, w_r>| / max(||g_r|| ||w_r||, eps) for each row r of the view (g, w = p viewed)
        if max_r cos_r < delta / sqrt(row length):                     (delta 0.1)
            w_n = w_r / (||w_r|| + eps) per row;  u_r -= w_n <w_n, u_r> per row
            wd_ratio_used = wd_ratio; stop (the first view that fires ends the test)
    p *= 1 - lr * weight_decay * wd_ratio_used     (only if weight_decay > 0)
    p -= step_size * u
The projection test uses the gradient g (after clipping) and the weights BEFORE this step's decay.

Contents (float64 unless noted):
  init.p{j}        four parameter tensors, shapes (4, 3), (5,), (2, 3, 2), (3, 4)
  grads.p{j}       (5, *shape): the gradient of parameter j at each of the 5 steps (before clipping)
  has_grad.p{j}    (5,) i64: 0 where the parameter has no gradient at that step (p2 has none at
                   steps 0 and 3; the others always have one)
  <config>.p{j}    (5, *shape): the parameter after each step, for each configuration below
  <config>.projected.p{j}  (5,) i64: what the projection did at each step: 0 none (also: no gradient
                   or 1-D), 1 channel view, 2 layer view
p3 is a scale-invariant-like weight: init rows of norm ~10 and gradients built nearly orthogonal to
the INITIAL rows (|cos| ~ 1e-3 per row) at steps 0, 1 and 4 (the channel view fires), and at step 2
a gradient whose row 0 has cos +0.3 with w row 0 and row 1 cos -0.3 scaled so that the whole-tensor
inner product cancels (channel test fails, layer view fires); step 3 has cos 1/sqrt(2) with every row
(no projection). The script asserts, per configuration, that p3's projected record is exactly
[1, 1, 2, 0, 1] (and so that the projection fired); for p0 and p2 it is whatever the data gives
(p0's random gradients happen to fire the layer view at some steps). Every projection test of every
configuration is asserted to be at least 1e-4 (relative) away from its threshold, so rounding cannot
flip a decision.

Configurations (the C++ test hard-codes these; all: betas (0.9, 0.999), eps 1e-8, delta 0.1):
  plain        lr 0.01 every step, weight_decay 0, wd_ratio 0.1, nesterov False, no clipping
  wd           lr 0.01 every step, weight_decay 1e-2, wd_ratio 0.1, nesterov False, no clipping
  nesterov     lr 0.01 every step, weight_decay 0, wd_ratio 0.1, nesterov True, no clipping
  clip_cosine  lr per step e = 0..4: 2e-2 * (1 + cos(pi e / 5)) / 2
               = [0.02, 0.018090169943749474, 0.013090169943749475, 0.006909830056250526,
                  0.0019098300562505265], weight_decay 0, nesterov False, and before every step
               torch.nn.utils.clip_grad_norm_(all parameters with a gradient, max_norm 2.0):
               total = global L2 norm of the present gradients, coef = 2.0 / (total + 1e-6), gradients
               multiplied by coef when coef < 1 (asserted to clip at every step)
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

ADAMP_PKG_DIR = "/tmp/adamp_pkg"

STEPS = 5
SHAPES = [(4, 3), (5,), (2, 3, 2), (3, 4)]
HAS_GRAD = [[1] * STEPS, [1] * STEPS, [0, 1, 1, 0, 1], [1] * STEPS]
P3_EXPECTED = [1, 1, 2, 0, 1]
COSINE_LRS = [2e-2 * (1 + math.cos(math.pi * e / STEPS)) / 2 for e in range(STEPS)]
# name: (lr per step, weight_decay, wd_ratio, nesterov, max_norm or None)
CONFIGS = {
    "plain": ([0.01] * STEPS, 0.0, 0.1, False, None),
    "wd": ([0.01] * STEPS, 1e-2, 0.1, False, None),
    "nesterov": ([0.01] * STEPS, 0.0, 0.1, True, None),
    "clip_cosine": (COSINE_LRS, 0.0, 0.1, False, 2.0),
}
NONE, CHANNEL, LAYER = 0, 1, 2


def import_adamp():
    """adamp.AdamP if the package can be imported (also from ADAMP_PKG_DIR), else None."""
    if os.path.isdir(ADAMP_PKG_DIR) and ADAMP_PKG_DIR not in sys.path:
        sys.path.append(ADAMP_PKG_DIR)
    try:
        from adamp import AdamP
    except ImportError:
        return None
    return AdamP


def row_cosine(x, y, eps):
    """|<x_r, y_r>| / max(||x_r|| ||y_r||, eps) per row of two (rows, n) views."""
    return (x * y).sum(1).abs() / (x.norm(dim=1) * y.norm(dim=1)).clamp_min(eps)


class AdamPRef:
    """AdamP written from the equations of the module docstring; float64 torch ops, no autograd."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, delta=0.1, wd_ratio=0.1,
                 nesterov=False):
        self.params = list(params)
        self.lr, self.b1, self.b2, self.eps = lr, betas[0], betas[1], eps
        self.weight_decay, self.delta, self.wd_ratio, self.nesterov = weight_decay, delta, wd_ratio, nesterov
        self.state = [None] * len(self.params)
        self.last_projection = [NONE] * len(self.params)
        self.min_margin = math.inf   # smallest |max cos - threshold| / threshold over every test made

    def projection(self, p, g, u):
        """u projected (or not), the wd ratio to use and which view fired."""
        w = p.detach()
        for kind, rows in ((CHANNEL, w.size(0)), (LAYER, 1)):
            wv, gv = w.reshape(rows, -1), g.reshape(rows, -1)
            cos = row_cosine(gv, wv, self.eps)
            threshold = self.delta / math.sqrt(wv.size(1))
            self.min_margin = min(self.min_margin, abs(float(cos.max()) - threshold) / threshold)
            if float(cos.max()) < threshold:
                w_n = wv / (wv.norm(dim=1, keepdim=True) + self.eps)
                uv = u.reshape(rows, -1)
                uv = uv - w_n * (w_n * uv).sum(1, keepdim=True)
                return uv.reshape(u.shape), self.wd_ratio, kind
        return u, 1.0, NONE

    @torch.no_grad()
    def step(self):
        for j, p in enumerate(self.params):
            self.last_projection[j] = NONE
            if p.grad is None:
                continue
            g = p.grad
            if self.state[j] is None:
                self.state[j] = {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)}
            st = self.state[j]
            st["t"] += 1
            t = st["t"]
            st["m"] = self.b1 * st["m"] + (1 - self.b1) * g
            st["v"] = self.b2 * st["v"] + (1 - self.b2) * g * g
            denom = st["v"].sqrt() / math.sqrt(1 - self.b2 ** t) + self.eps
            step_size = self.lr / (1 - self.b1 ** t)
            if self.nesterov:
                u = (self.b1 * st["m"] + (1 - self.b1) * g) / denom
            else:
                u = st["m"] / denom
            wd_ratio = 1.0
            if p.dim() > 1:
                u, wd_ratio, self.last_projection[j] = self.projection(p, g, u)
            if self.weight_decay > 0:
                p.mul_(1 - self.lr * self.weight_decay * wd_ratio)
            p.sub_(step_size * u)


def make_data():
    torch.manual_seed(29)
    init = [torch.randn(*shape, dtype=torch.float64) for shape in SHAPES]
    grads = [torch.randn(STEPS, *shape, dtype=torch.float64) for shape in SHAPES]
    # p3: rows of norm ~10 so that 5 steps of size ~lr barely turn them (the cosines stay ~1e-3)
    w = init[3] * 5.0
    init[3] = w
    w_hat = w / w.norm(dim=1, keepdim=True)
    g3 = grads[3]
    for s in range(STEPS):
        r = g3[s] * 2.0
        perp = r - w_hat * (r * w_hat).sum(1, keepdim=True)            # orthogonal to each row of w
        perp = perp / perp.norm(dim=1, keepdim=True) * 2.0             # rows of norm 2
        if s in (0, 1, 4):        # nearly orthogonal: |cos| = 1e-3 per row
            sign = torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64).unsqueeze(1)
            g3[s] = perp + 2e-3 * sign * w_hat
        elif s == 2:              # rows 0 / 1: cos +0.3 / -0.3, whole-tensor inner product 0
            c = 0.3 * 2.0 / math.sqrt(1 - 0.3 ** 2)                   # radial part for |cos| 0.3
            g = perp.clone()
            g[0] += c * w_hat[0]
            g[1] -= c * w_hat[1] * float(w[0].norm() / w[1].norm())    # cancels <g0, w0> exactly
            g3[s] = g
        else:                     # far from orthogonal: cos 1/sqrt(2) per row, no projection
            g3[s] = perp + 2.0 * w_hat
    return [x.numpy() for x in init], [x.numpy() for x in grads]


def run(opt_cls, init, grads, lrs, weight_decay, wd_ratio, nesterov, max_norm, record=False):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in init]
    opt = opt_cls(params, lr=lrs[0], betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay, delta=0.1,
                  wd_ratio=wd_ratio, nesterov=nesterov)
    after = [[] for _ in params]
    projected = [[] for _ in params]
    for s in range(STEPS):
        if isinstance(opt, AdamPRef):
            opt.lr = lrs[s]
        else:
            for group in opt.param_groups:
                group["lr"] = lrs[s]
        for p in params:
            p.grad = None
        for j, p in enumerate(params):
            if HAS_GRAD[j][s]:
                p.grad = torch.tensor(grads[j][s], dtype=torch.float64)
        if max_norm is not None:
            total = torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], max_norm)
            assert total > max_norm, "the fixture's gradients should be clipped at every step"
        opt.step()
        for j, p in enumerate(params):
            after[j].append(p.detach().numpy().copy())
            if record:
                projected[j].append(opt.last_projection[j])
    if record:
        assert opt.min_margin > 1e-4, ("a projection test sits on its threshold", opt.min_margin)
        print(f"  smallest relative margin of a projection test to its threshold: {opt.min_margin:.3g}")
    return [np.stack(a) for a in after], [np.array(x, dtype=np.int64) for x in projected]


def self_checks():
    """The cosine formula equals torch's cosine_similarity; the projected update is radial-free (up to eps)."""
    torch.manual_seed(5)
    x, y = torch.randn(6, 7, dtype=torch.float64), torch.randn(6, 7, dtype=torch.float64)
    assert torch.allclose(row_cosine(x, y, 1e-8), F.cosine_similarity(x, y, dim=1, eps=1e-8).abs(),
                          rtol=0, atol=1e-14)
    w = torch.randn(4, 5, dtype=torch.float64)
    g = torch.randn(4, 5, dtype=torch.float64)
    g = g - w * (g * w).sum(1, keepdim=True) / (w * w).sum(1, keepdim=True)
    opt = AdamPRef([torch.zeros(1)], lr=0.1)
    u, ratio, kind = opt.projection(w, g, torch.randn(4, 5, dtype=torch.float64))
    assert kind == CHANNEL and ratio == 0.1
    # radial part left: <w_n, u>(1 - ||w_n||^2) ~ 2 eps / ||w|| <w_n, u> (eps inside w_n's denominator)
    assert float((u * w).sum(1).abs().max()) < 1e-7


def main(out_dir):
    self_checks()
    init, grads = make_data()
    pkg = import_adamp()
    t = {}
    for j in range(len(SHAPES)):
        t[f"init.p{j}"] = init[j]
        t[f"grads.p{j}"] = grads[j]
        t[f"has_grad.p{j}"] = np.array(HAS_GRAD[j], dtype=np.int64)
    meta = {"torch": torch.__version__, "steps": STEPS, "shapes": SHAPES,
            "implementation": "tools/make_adamp_golden.py AdamPRef (written from the equations)",
            "adamp_package": "absent: not cross-checked"}
    worst = 0.0
    for name, (lrs, wd, wd_ratio, nesterov, max_norm) in CONFIGS.items():
        after, projected = run(AdamPRef, init, grads, lrs, wd, wd_ratio, nesterov, max_norm, record=True)
        assert list(projected[3]) == P3_EXPECTED, (name, "p3 projection record", projected[3])
        assert (projected[3] != NONE).any(), (name, "the projection never fired")
        assert (projected[1] == NONE).all()
        for j in range(len(SHAPES)):
            t[f"{name}.p{j}"] = after[j]
            t[f"{name}.projected.p{j}"] = projected[j]
        if pkg is not None:
            ref, _ = run(pkg, init, grads, lrs, wd, wd_ratio, nesterov, max_norm)
            for j in range(len(SHAPES)):
                diff = float(np.abs(ref[j] - after[j]).max())
                worst = max(worst, diff)
                assert diff < 1e-12, (name, f"p{j}", "differs from the adamp package", diff)
        meta[name] = (f"lr {' '.join(map(repr, lrs))}, weight_decay {wd}, wd_ratio {wd_ratio}, "
                      f"nesterov {nesterov}, clip {max_norm}")
        print(name, "projected:", " ".join(f"p{j}={list(p)}" for j, p in enumerate(projected)))
    if pkg is not None:
        import adamp
        from importlib import metadata
        meta["adamp_package"] = (f"adamp {metadata.version('adamp')} ({adamp.__file__}): every config "
                                 f"agrees to {worst:.2e} (< 1e-12)")
    print("adamp package cross-check:", meta["adamp_package"])
    st_write.write(os.path.join(out_dir, "adamp_golden.safetensors"), t, meta)


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    main(out_dir)
    print("wrote", out_dir)
