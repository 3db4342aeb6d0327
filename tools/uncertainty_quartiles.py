# SPDX-License-Identifier: MIT
"""Does a model's uncertainty track how hard a query is? Recall@K of the most and least uncertain
quarters of the queries, from the files `imram eval --save-sims` and `imram encode` write:

    build/release/imram eval --checkpoint M --split test --save-sims OUT/sims.npy
    build/release/imram encode --checkpoint M --split test --out OUT
    /usr/bin/python3 tools/uncertainty_quartiles.py OUT [--im_div 5]

sims.npy is (images x captions); caption c belongs to image c // im_div. Queries are ranked by their
own uncertainty (img_uncertainty.npy for i2t, cap_uncertainty.npy for t2i) and split into quarters;
for each quarter it prints R@1, R@5, R@10 (ties counted against the model: a positive ranks after every
negative with the same score) and the mean uncertainty.
"""
import argparse
import os

import numpy as np


def ranks_i2t(s, im_div):
    out = []
    for i in range(s.shape[0]):
        pos = s[i, i * im_div:(i + 1) * im_div].max()
        neg = np.delete(s[i], np.arange(i * im_div, (i + 1) * im_div))
        out.append(int((neg >= pos).sum()))
    return np.array(out)


def ranks_t2i(s, im_div):
    out = []
    for c in range(s.shape[1]):
        i = c // im_div
        pos = s[i, c]
        neg = np.delete(s[:, c], i)
        out.append(int((neg >= pos).sum()))
    return np.array(out)


def report(name, ranks, u):
    order = np.argsort(u, kind="stable")
    q = len(order) // 4
    for label, idx in (("least uncertain quarter", order[:q]), ("most uncertain quarter", order[-q:])):
        r = ranks[idx]
        print(f"{name} {label:24s} n {len(idx):5d}  mean sigma {u[idx].mean():.4f}  "
              f"R@1 {100 * (r < 1).mean():6.2f}  R@5 {100 * (r < 5).mean():6.2f}  R@10 {100 * (r < 10).mean():6.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--im_div", type=int, default=5)
    a = ap.parse_args()
    s = np.load(os.path.join(a.dir, "sims.npy"))
    ui = np.load(os.path.join(a.dir, "img_uncertainty.npy"))
    uc = np.load(os.path.join(a.dir, "cap_uncertainty.npy"))
    report("i2t", ranks_i2t(s, a.im_div), ui)
    report("t2i", ranks_t2i(s, a.im_div), uc)
    print(f"Pearson correlation of uncertainty and rank: i2t {np.corrcoef(ui, ranks_i2t(s, a.im_div))[0, 1]:+.3f}, "
          f"t2i {np.corrcoef(uc, ranks_t2i(s, a.im_div))[0, 1]:+.3f}")


if __name__ == "__main__":
    main()
