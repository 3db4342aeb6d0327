# SPDX-License-Identifier: MIT
"""Builds a retrieval set of two-stamp scenes whose captions say which stamp is where, from the same
Debian stamps as tools/make_tuxpaint_precomp.py, in the SCAN "precomp" layout:

    apt-get install -y python3-numpy python3-pil tuxpaint-stamps-default
    /usr/bin/python3 tools/make_tuxpaint_scenes.py --out /work/data [--pairs 1500 150 150]

Why. On the single-stamp set an image is one object and most captions name it in one word, so the
mean of the regions already says what attention over them would find. Here an image holds two
objects and its caption relates them to places, so a model must tie words to regions, and word
order matters: every scene comes with its twin, the same two stamps with the sides swapped, whose
caption has exactly the same words. A bag-of-words model cannot tell twins apart.

Writes, byte-identical on every run with the same inputs and package versions:
  OUT/tuxpaint_scenes_precomp/{train,dev,test}_ims.npy   float32 (n, 36, 2048), C order
  OUT/tuxpaint_scenes_precomp/{split}_caps.txt           one caption per scene (im_div 1)
  OUT/tuxpaint_scenes_precomp/{split}_ids.txt            "left stamp|right stamp|left row|right row"
  OUT/tuxpaint_scenes_precomp/{split}_labels.txt         "left category+right category"
  OUT/vocab/tuxpaint_scenes_precomp_vocab.json           the format of `imram vocab`

Stamps, their descriptions and the split by stamp are those of make_tuxpaint_precomp.py, so no stamp
of a dev or test scene is in any train scene. A stamp's phrase is the first sentence of its
description (cut at ". ", "; " or an em dash) without its final punctuation.

Scenes (the recipe, fixed). For each split, numpy default_rng(SCENE_SEED + split index) draws
`--pairs` unordered pairs of two stamps of that split whose phrases differ once tokenized, no pair
twice. A pair (a, b) gives two scenes, in this order: a on the left and b on the right, then the
twin with the sides swapped. Each stamp is fitted into a 96 x 96 box (longer side 96, centred in
the box); the left box starts at column 0, the right one at column 96; each stamp's box starts at a
row drawn from {0, 32, 64, 96} (cell boundaries), kept by the twin. The canvas is 192 x 192 and
transparent elsewhere; region features follow steps 2 to 4 of make_tuxpaint_precomp.py (6 x 6 grid,
34-d cell descriptors, standardised on the train regions, the same fixed projection, ReLU).
Caption: "<phrase of the left stamp> on the left and <phrase of the right stamp> on the right."
"""
import argparse
import collections
import json
import os
import re
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_tuxpaint_precomp as tux  # noqa: E402  (the stamps, tokenizer and feature recipe)

NAME = "tuxpaint_scenes_precomp"
BOX = tux.SIZE // 2
ROWS = (0, 32, 64, 96)
SCENE_SEED = 20261201


def phrase(description):
    first = re.split(r"\. |; |\u2014", description, maxsplit=1)[0]
    return first.rstrip(" .!?;:,")


def draw_pairs(stamps, n_pairs, rng):
    """n_pairs unordered pairs of stamp indices with different tokenized phrases, none twice."""
    toks = [tuple(tux.word_tokenize(phrase(st[1]))) for st in stamps]
    possible = sum(1 for i in range(len(stamps)) for j in range(i + 1, len(stamps)) if toks[i] != toks[j])
    if n_pairs > possible:
        sys.exit(f"error: --pairs asks for {n_pairs} pairs but the split's {len(stamps)} stamps "
                 f"allow only {possible}")
    seen, pairs = set(), []
    while len(pairs) < n_pairs:
        i, j = (int(v) for v in rng.integers(0, len(stamps), size=2))
        key = (min(i, j), max(i, j))
        if i == j or toks[i] == toks[j] or key in seen:
            continue
        seen.add(key)
        pairs.append((i, j, int(rng.integers(0, len(ROWS))), int(rng.integers(0, len(ROWS)))))
    return pairs


def scene_descriptors(left_im, right_im, left_row, right_row):
    canvas = Image.new("RGBa", (tux.SIZE, tux.SIZE), (0, 0, 0, 0))
    for im, col, row in ((left_im, 0, left_row), (right_im, BOX, right_row)):
        canvas.paste(im, (col + (BOX - im.size[0]) // 2, row + (BOX - im.size[1]) // 2))
    return tux.canvas_descriptors(*tux.canvas_arrays(canvas))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="data root (gets tuxpaint_scenes_precomp/ and vocab/)")
    ap.add_argument("--stamps", default="/usr/share/tuxpaint/stamps")
    ap.add_argument("--pairs", type=int, nargs=3, default=(1500, 150, 150), metavar=("TRAIN", "DEV", "TEST"),
                    help="stamp pairs per split; each gives two scenes (default 1500 150 150)")
    ap.add_argument("--threshold", type=int, default=1, help="vocabulary word-count threshold")
    args = ap.parse_args()
    t0 = time.time()
    if not os.path.isdir(args.stamps):
        sys.exit(f"error: no stamps at {args.stamps}; install them with "
                 "`apt-get install tuxpaint-stamps-default` (or pass --stamps DIR)")
    if min(args.pairs) < 1:
        sys.exit("error: --pairs needs three counts >= 1")

    stamps = tux.find_stamps(args.stamps, False, collections.Counter())
    by_split = {s: [st for st in stamps if tux.split_of(st[0]) == s] for s in tux.SPLITS}
    desc, rows = {}, {}
    for k, s in enumerate(tux.SPLITS):
        sts = by_split[s]
        pairs = draw_pairs(sts, args.pairs[k], np.random.default_rng(SCENE_SEED + k))
        fitted = {}
        for i, j, _, _ in pairs:
            for m in (i, j):
                if m not in fitted:
                    fitted[m] = tux.fitted_stamp(os.path.join(args.stamps, sts[m][0]), BOX)
        d, r = [], []
        for i, j, ri, rj in pairs:
            for (a, ra), (b, rb) in (((i, ri), (j, rj)), ((j, rj), (i, ri))):
                d.append(scene_descriptors(fitted[a], fitted[b], ROWS[ra], ROWS[rb]))
                r.append((f"{sts[a][0]}|{sts[b][0]}|{ROWS[ra]}|{ROWS[rb]}",
                          f"{phrase(sts[a][1])} on the left and {phrase(sts[b][1])} on the right.",
                          f"{sts[a][2]}+{sts[b][2]}"))
        desc[s], rows[s] = np.stack(d), r

    train_regions = desc["train"].reshape(-1, desc["train"].shape[-1])
    mean, std = train_regions.mean(0), train_regions.std(0)
    std = np.where(std > 1e-8, std, 1.0)
    proj = np.random.default_rng(tux.PROJ_SEED).standard_normal((desc["train"].shape[-1], tux.FEAT_DIM))
    proj /= np.sqrt(proj.shape[0])

    out_dir = os.path.join(args.out, NAME)
    os.makedirs(out_dir, exist_ok=True)
    for s in tux.SPLITS:
        feats = np.concatenate([tux.project(desc[s][i:i + 64], mean, std, proj)
                                for i in range(0, len(desc[s]), 64)])
        np.save(os.path.join(out_dir, f"{s}_ims.npy"), np.ascontiguousarray(feats))
        for name, col in (("ids", 0), ("caps", 1), ("labels", 2)):
            with open(os.path.join(out_dir, f"{s}_{name}.txt"), "w", encoding="utf-8", newline="\n") as f:
                f.writelines(row[col] + "\n" for row in rows[s])

    text, vocab_size = tux.vocab_json([row[1] for row in rows["train"]], args.threshold)
    os.makedirs(os.path.join(args.out, "vocab"), exist_ok=True)
    with open(os.path.join(args.out, "vocab", f"{NAME}_vocab.json"), "w", encoding="utf-8") as f:
        f.write(text)

    vocab = set(json.loads(text)["word2idx"])
    for s in tux.SPLITS:
        toks = [w for row in rows[s] for w in tux.word_tokenize(row[1])]
        used = {p for row in rows[s] for p in row[0].split("|")[:2]}
        print(f"  {s:5s}: {len(rows[s]):5d} scenes ({len(rows[s]) // 2} pairs) from {len(used)} of "
              f"{len(by_split[s])} stamps, {len(toks) / len(rows[s]):.1f} tokens/caption, "
              f"<unk> rate {100 * sum(w not in vocab for w in toks) / len(toks):.1f}%")
    print(f"vocabulary: {vocab_size} entries (4 specials), threshold {args.threshold}, train captions only")
    print(f"wrote {out_dir} and {args.out}/vocab/{NAME}_vocab.json in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
