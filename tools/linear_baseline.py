# SPDX-License-Identifier: MIT
"""A linear image-text retrieval baseline on any SCAN "precomp" folder, as a yardstick for the
trained models:

    /usr/bin/python3 tools/linear_baseline.py --data_path /work/data --data_name tuxpaint_precomp \
        [--split test] [--json FILE] [--save_sims F.npy] [--ngrams N] [--word_vectors FILE --text wordvec|both]

Model. Image vector = mean of its region features, standardised with the train mean / std.
Caption vector = tf-idf over the train vocabulary (lower-case alphanumeric words, and with --ngrams N
also their runs of up to N consecutive words, so that word order can count; idf from the train
captions, smoothed), L2-normalised. Ridge regression (with intercept) maps image vectors to caption
vectors; each train image's target is the mean of its captions' vectors. The ridge lambda is the one
with the best rsum on the dev split. score(image, caption) = cosine(predicted vector, caption
vector). With --word_vectors (GloVe's text layout, e.g. tools/make_wordnet_vectors.py's) the caption
vector is the L2-normalised mean of its words' vectors (--text wordvec), or that and the tf-idf vector
side by side, each L2-normalised and scaled by 1/sqrt(2) (--text both): the same outside knowledge a
model gets from imram train --word_vectors. A caption without a known word has no direction: it scores 0 with every image, and since ties
count against the model, such a caption's image is never found (it ties with all the others).

Evaluation follows SCAN's i2t / t2i with im_div = captions / images (1 or 5 ...): i2t ranks all
captions for an image and takes the best of its im_div captions, t2i ranks all images for a caption.
Ranking is deliberately pessimistic: the rank of the ground truth is the number of other (wrong)
candidates whose score is >= its score, so ties count against the model, and a NaN ground-truth
score gets the worst rank. R@K = percentage of queries with rank < K; rsum = sum of the six R@K.
Chance level: the expected R@K of a random ordering, for comparison.
"""
import argparse
import json
import math
import os
import re
import sys
import time

import numpy as np

KS = (1, 5, 10)
LAMBDAS = [10.0 ** e for e in np.arange(-2.0, 6.01, 0.5)]


def load_split(data_path, data_name, split):
    d = os.path.join(data_path, data_name)
    ims = None
    for name in (f"{split}_ims.npy", f"{split}_feat.npy"):  # SCAN's and IMRAM's names
        if os.path.exists(os.path.join(d, name)):
            ims = np.load(os.path.join(d, name), mmap_mode="r")
            break
    if ims is None:
        sys.exit(f"error: no {split}_ims.npy (or {split}_feat.npy) in {d}")
    with open(os.path.join(d, f"{split}_caps.txt"), encoding="utf-8") as f:
        caps = f.read().split("\n")
    if caps and caps[-1] == "":  # a final newline does not start another caption
        caps.pop()
    if len(caps) % len(ims):
        sys.exit(f"error: {split}: {len(caps)} captions is not a multiple of {len(ims)} images")
    # Mean-pool in chunks so that big memory-mapped splits (Flickr30k train: 8.5 GB) stay on disk.
    pooled = np.concatenate([np.asarray(ims[i:i + 1024], dtype=np.float64).mean(1)
                             for i in range(0, len(ims), 1024)])
    return pooled, caps, len(caps) // len(ims)


def words(caption):
    return re.findall(r"[a-z0-9]+", caption.lower())


def terms(caption, ngrams):
    """The caption's words and its runs of 2 .. ngrams consecutive words (joined by spaces)."""
    ws = words(caption)
    return [" ".join(ws[i:i + n]) for n in range(1, ngrams + 1) for i in range(len(ws) - n + 1)]


class TfIdf:
    def __init__(self, train_caps, ngrams=1):
        self.ngrams = ngrams
        vocab = sorted({w for c in train_caps for w in terms(c, ngrams)})
        self.index = {w: i for i, w in enumerate(vocab)}
        df = np.zeros(len(vocab))
        for c in train_caps:
            for w in set(terms(c, ngrams)):
                df[self.index[w]] += 1
        self.idf = np.log((1 + len(train_caps)) / (1 + df)) + 1.0

    def __call__(self, caps):
        m = np.zeros((len(caps), len(self.index)))
        for r, c in enumerate(caps):
            for w in terms(c, self.ngrams):
                if w in self.index:
                    m[r, self.index[w]] += 1
        m *= self.idf
        n = np.linalg.norm(m, axis=1, keepdims=True)
        return np.divide(m, n, out=np.zeros_like(m), where=n > 0)


class WordVec:
    """Caption vector = L2-normalised mean of its words' vectors (words without a vector are skipped)."""

    def __init__(self, path, needed):
        self.vec = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                word, _, rest = line.rstrip("\n").partition(" ")
                if word in needed and word not in self.vec:
                    self.vec[word] = np.array(rest.split(), dtype=np.float64)
        self.dim = len(next(iter(self.vec.values()))) if self.vec else 1

    def __call__(self, caps):
        m = np.zeros((len(caps), self.dim))
        for r, c in enumerate(caps):
            vs = [self.vec[w] for w in words(c) if w in self.vec]
            if vs:
                m[r] = np.mean(vs, axis=0)
        n = np.linalg.norm(m, axis=1, keepdims=True)
        return np.divide(m, n, out=np.zeros_like(m), where=n > 0)


class Ridge:
    """Ridge regression for many lambdas from one eigendecomposition of the smaller Gram matrix."""

    def __init__(self, x, y):
        self.y_mean = y.mean(0)
        yc = y - self.y_mean
        self.x = x
        if len(x) <= x.shape[1]:  # dual form: W = X^T (X X^T + lambda I)^-1 Y
            self.e, self.v = np.linalg.eigh(x @ x.T)
            self.vty = self.v.T @ yc
        else:  # primal form: W = (X^T X + lambda I)^-1 X^T Y
            self.e, self.v = np.linalg.eigh(x.T @ x)
            self.vty = self.v.T @ (x.T @ yc)

    def weights(self, lam):
        w = self.v @ (self.vty / (np.maximum(self.e, 0.0) + lam)[:, None])
        return self.x.T @ w if len(self.x) <= self.x.shape[1] else w

    def predict(self, x, lam):
        return x @ self.weights(lam) + self.y_mean


def cosine_scores(pred, caps_vec):
    """(images, captions) cosine similarities; 0 where either vector is zero."""
    pn = np.linalg.norm(pred, axis=1, keepdims=True)
    cn = np.linalg.norm(caps_vec, axis=1, keepdims=True)
    return (pred / np.where(pn > 0, pn, 1.0)) @ (caps_vec / np.where(cn > 0, cn, 1.0)).T


def ranks(scores, im_div):
    """Pessimistic ranks (number of wrong candidates scoring >= the ground truth): i2t, t2i."""
    n_im, n_cap = scores.shape
    gt_im = np.arange(n_cap) // im_div
    # As eval/metrics.cpp: a NaN candidate ranks above the ground truth (its score is no evidence).
    s = np.where(np.isnan(scores), np.inf, scores)
    # i2t: the best of the image's own captions; other captions of the same image are not rivals.
    own = gt_im[None, :] == np.arange(n_im)[:, None]
    usable = own & ~np.isnan(scores)
    best = np.where(usable.any(1), np.where(usable, scores, -np.inf).max(1), np.nan)
    with np.errstate(invalid="ignore"):
        i2t = np.where(np.isnan(best), n_cap - im_div, ((s >= best[:, None]) & ~own).sum(1))
    # t2i: the caption's single image against all others.
    gt = scores[gt_im, np.arange(n_cap)]
    with np.errstate(invalid="ignore"):
        t2i = np.where(np.isnan(gt), n_im - 1, (s >= gt[None, :]).sum(0) - 1)
    return i2t, t2i


def recalls(scores, im_div):
    i2t, t2i = ranks(scores, im_div)
    r = {f"i2t_r{k}": 100.0 * float(np.mean(i2t < k)) for k in KS}
    r.update({f"t2i_r{k}": 100.0 * float(np.mean(t2i < k)) for k in KS})
    r["rsum"] = sum(r.values())
    return r


def chance(n_im, im_div):
    """Expected recalls of a random ordering: i2t hits when one of im_div right captions is among
    the first K of n_im * im_div; t2i when the right image is among the first K of n_im."""
    n_cap = n_im * im_div
    r = {}
    for k in KS:
        r[f"i2t_r{k}"] = 100.0 * (1.0 - math.comb(n_cap - im_div, k) / math.comb(n_cap, k))
    for k in KS:
        r[f"t2i_r{k}"] = 100.0 * min(k, n_im) / n_im
    r["rsum"] = sum(r.values())
    return r


def table(rows):
    cols = [f"i2t_r{k}" for k in KS] + [f"t2i_r{k}" for k in KS] + ["rsum"]
    head = ["", "i2t R@1", "R@5", "R@10", "t2i R@1", "R@5", "R@10", "rsum"]
    lines = [f"{head[0]:<22}" + "".join(f"{h:>9}" for h in head[1:])]
    for name, r in rows:
        lines.append(f"{name:<22}" + "".join(f"{r[c]:9.2f}" for c in cols))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data_path", required=True)
    ap.add_argument("--data_name", default="tuxpaint_precomp")
    ap.add_argument("--split", default="test", help="split to report (dev is used to choose lambda)")
    ap.add_argument("--json", help="also write the results as JSON to this file ('-' for stdout)")
    ap.add_argument("--word_vectors", help="word vectors in GloVe's text layout (for --text wordvec or both)")
    ap.add_argument("--text", choices=("tfidf", "wordvec", "both"), default="tfidf",
                    help="caption vectors: tf-idf (default), mean word vector, or both side by side")
    ap.add_argument("--save_sims", help="write the reported split's (images, captions) scores as float32 .npy "
                    "(the layout of imram eval --save-sims)")
    ap.add_argument("--ngrams", type=int, default=1,
                    help="tf-idf terms: words and runs of up to N consecutive words (default 1: words)")
    args = ap.parse_args()
    t0 = time.time()

    x_tr, caps_tr, div_tr = load_split(args.data_path, args.data_name, "train")
    x_dev, caps_dev, div_dev = load_split(args.data_path, args.data_name, "dev")
    x_ev, caps_ev, div_ev = (x_dev, caps_dev, div_dev) if args.split == "dev" else \
        load_split(args.data_path, args.data_name, args.split)
    mu, sd = x_tr.mean(0), x_tr.std(0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    x_tr, x_dev, x_ev = ((x - mu) / sd for x in (x_tr, x_dev, x_ev))

    if args.ngrams < 1:
        sys.exit("error: --ngrams needs a count >= 1")
    tfidf = TfIdf(caps_tr, args.ngrams)
    if args.text != "tfidf" and not args.word_vectors:
        sys.exit("error: --text " + args.text + " needs --word_vectors")
    encode = tfidf
    if args.text != "tfidf":
        # A fixed lookup table: only the words of these captions are read from the file.
        wv = WordVec(args.word_vectors, {w for c in caps_tr + caps_dev + caps_ev for w in words(c)})
        encode = wv if args.text == "wordvec" else \
            (lambda caps: np.hstack([tfidf(caps), wv(caps)]) / math.sqrt(2.0))
    y_tr = encode(caps_tr).reshape(len(x_tr), div_tr, -1).mean(1)
    c_dev, c_ev = encode(caps_dev), encode(caps_ev)
    ridge = Ridge(x_tr, y_tr)
    dev_rsum = {lam: recalls(cosine_scores(ridge.predict(x_dev, lam), c_dev), div_dev)["rsum"] for lam in LAMBDAS}
    best = max(LAMBDAS, key=lambda lam: (dev_rsum[lam], lam))  # ties: the stronger regularisation

    scores = cosine_scores(ridge.predict(x_ev, best), c_ev)
    res = recalls(scores, div_ev)
    if args.save_sims:
        np.save(args.save_sims, scores.astype("<f4"))
    ref = chance(len(x_ev), div_ev)
    no_word = int((np.linalg.norm(c_ev, axis=1) == 0).sum())
    print(f"{args.data_name}: train {len(x_tr)} images / {len(caps_tr)} captions, dev {len(x_dev)}, "
          f"{args.split} {len(x_ev)} images / {len(caps_ev)} captions (im_div {div_ev}); "
          f"tf-idf vocabulary {len(tfidf.index)} terms (n-grams up to {args.ngrams}); caption vectors: {args.text}")
    print("dev rsum by lambda: " + ", ".join(f"{lam:g}: {r:.1f}" for lam, r in dev_rsum.items()))
    print(f"chosen lambda {best:g} (dev rsum {dev_rsum[best]:.2f}); {args.split} captions without a known "
          f"word (score 0 with every image): {no_word}")
    print(table([(f"ridge ({args.split})", res), ("chance", ref)]))
    print(f"time {time.time() - t0:.1f} s")
    if args.json:
        doc = {"data_name": args.data_name, "split": args.split, "lambda": best, "dev_rsum": dev_rsum[best],
               "n_images": len(x_ev), "n_captions": len(caps_ev), "im_div": div_ev, "recalls": res, "chance": ref}
        text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            with open(args.json, "w") as f:
                f.write(text)


if __name__ == "__main__":
    main()
