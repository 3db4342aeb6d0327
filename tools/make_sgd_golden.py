# SPDX-License-Identifier: MIT
"""Golden data for the SGD optimizer test, computed with torch.optim.SGD (Debian's python3-torch).

    /usr/bin/python3 tools/make_sgd_golden.py tests/fixtures

Writes tests/fixtures/sgd_golden.safetensors, read by tests/train/test_optim.cpp without Python. All
values are float64 so the comparison measures the C++ code, not rounding. Contents:

  init.p{j}       three parameter tensors of different shapes
  grads.p{j}      (5, *shape): the gradient of parameter j at each of the 5 steps
  has_grad.p{j}   (5,) i64: 0 where the parameter has no gradient at that step (torch skips it, and
                  creates its momentum buffer at its first step with one); p2 has none at steps 0 and 3
  <config>.p{j}   (5, *shape): the parameter after each step, for each configuration of CONFIGS
                  (lr changes where the config's lr list does; clip_grad_norm_ first when clip is set)
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

STEPS = 5
SHAPES = [(4, 3), (5,), (2, 3, 2)]
HAS_GRAD = [[1] * STEPS, [1] * STEPS, [0, 1, 1, 0, 1]]
# name: (lr per step, momentum, weight_decay, nesterov, max_norm or None)
CONFIGS = {
    "nesterov_wd": ([0.1] * STEPS, 0.9, 1e-4, True, None),
    "momentum": ([0.1] * STEPS, 0.9, 0.0, False, None),
    "plain_wd": ([0.1] * STEPS, 0.0, 1e-4, False, None),
    # CAMP's stages 2-3: Nesterov, momentum 0.9, weight decay 1e-4, global-norm clipping at 2, and an
    # lr decay between steps.
    "camp_clip": ([0.1, 0.1, 0.1, 0.01, 0.01], 0.9, 1e-4, True, 2.0),
}


def run(init, grads, lrs, momentum, weight_decay, nesterov, max_norm):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in init]
    opt = torch.optim.SGD(params, lr=lrs[0], momentum=momentum, weight_decay=weight_decay, nesterov=nesterov)
    after = [[] for _ in params]
    for s in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[s]
        opt.zero_grad(set_to_none=True)
        for j, p in enumerate(params):
            if HAS_GRAD[j][s]:
                p.grad = torch.tensor(grads[j][s], dtype=torch.float64)
        if max_norm is not None:
            total = torch.nn.utils.clip_grad_norm_(params, max_norm)
            assert total > max_norm, "the fixture's gradients should be clipped"
        opt.step()
        for j, p in enumerate(params):
            after[j].append(p.detach().numpy().copy())
    return [np.stack(a) for a in after]


def main(out_dir):
    torch.manual_seed(23)
    init = [torch.randn(*shape, dtype=torch.float64).numpy() for shape in SHAPES]
    grads = [torch.randn(STEPS, *shape, dtype=torch.float64).numpy() for shape in SHAPES]
    t = {}
    for j in range(len(SHAPES)):
        t[f"init.p{j}"] = init[j]
        t[f"grads.p{j}"] = grads[j]
        t[f"has_grad.p{j}"] = np.array(HAS_GRAD[j], dtype=np.int64)
    meta = {"torch": torch.__version__, "steps": STEPS}
    for name, (lrs, momentum, wd, nesterov, max_norm) in CONFIGS.items():
        for j, a in enumerate(run(init, grads, lrs, momentum, wd, nesterov, max_norm)):
            t[f"{name}.p{j}"] = a
        meta[name] = (f"lr {' '.join(map(str, lrs))}, momentum {momentum}, weight_decay {wd}, "
                      f"nesterov {nesterov}, clip {max_norm}")
    st_write.write(os.path.join(out_dir, "sgd_golden.safetensors"), t, meta)


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    main(out_dir)
    print("wrote", out_dir)
