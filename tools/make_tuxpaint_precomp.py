# SPDX-License-Identifier: MIT
"""Builds a small real image-text retrieval set in the SCAN "precomp" layout from the stamps of the
Debian package tuxpaint-stamps-default (clip-art with a human-written English description each):

    apt-get install -y python3-numpy python3-pil tuxpaint-stamps-default
    /usr/bin/python3 tools/make_tuxpaint_precomp.py --out /work/data [--stamps DIR] [--svg]

Writes, byte-identical on every run with the same inputs and package versions:
  OUT/tuxpaint_precomp/{train,dev,test}_ims.npy     float32 (n, 36, 2048), C order, .npy v1.0
  OUT/tuxpaint_precomp/{split}_caps.txt             one caption per image (im_div 1)
  OUT/tuxpaint_precomp/{split}_ids.txt, _labels.txt stamp path (relative to --stamps) / top folder
  OUT/vocab/tuxpaint_precomp_vocab.json             the format of `imram vocab` (data/vocab.h)

Stamps. Each <name>.txt describes <name>.png (or <name>.svg). Its first line that is not a
translation ("xx.utf8=...", "xx_YY.utf8=...") is the English text; whitespace is collapsed. A stamp
with both a PNG and an SVG is one stamp (the PNG is used). PNGs without a .txt (the *_mirror
copies Tux Paint uses for flipping, a few Tux faces) are skipped. SVG-only stamps are used only with
--svg (rasterised by rsvg-convert, so their pixels depend on the installed librsvg).

Split. sha256 of the relative path -> u in [0, 1): train if u < 0.70, dev if u < 0.85, else test;
within a split stamps are sorted by path. No stamp is in two splits.

Region features (the recipe, fixed):
  1. Convert to premultiplied RGBA, resize (bilinear, antialiased) so the longer side is 192 px,
     centre on a transparent 192 x 192 canvas. "Composite" = over white, Tux Paint's blank canvas.
  2. Cut a 6 x 6 grid of 32 x 32 cells, row-major: region r = 6 * row + col.
  3. Per cell a 34-d descriptor: alpha coverage (1) and coverage of its four 16 x 16 quarters (4);
     alpha-weighted mean colour of the stamp (3; white where empty); alpha-weighted colour
     histogram (15: 12 bins of 30 deg of the hue angle atan2(sqrt(3) (G - B), 2 R - G - B) for
     chromatic pixels, then black / grey / white for pixels with saturation < 0.2 or value < 0.15);
     histogram of gradient orientation (8 bins over [0, pi)) of the composite's luminance, forward
     differences, weighted by gradient magnitude (8); luminance standard deviation (1); the cell
     centre (row, col) / 6 (2). Histograms are divided by the cell's pixel count.
  4. Standardise each dimension with the mean / std of all TRAIN regions, multiply by a fixed
     Gaussian matrix (34 x 2048, numpy default_rng(20240601), scaled by 1/sqrt(34)), apply ReLU.
"""
import argparse
import collections
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
from PIL import Image

SIZE, GRID = 192, 6
CELL = SIZE // GRID
FEAT_DIM, PROJ_SEED = 2048, 20240601
SPLITS = ("train", "dev", "test")
LANG_LINE = re.compile(r"^[A-Za-z]{2,3}(_[A-Za-z]{2})?(@[A-Za-z]+)?\.utf-?8=", re.IGNORECASE)
SKIP_SUFFIXES = ("_mirror", "_back", "_thumb", "-thumb")

# ---------------------------------------------------------------- stamps and captions


def english_line(txt_path):
    """The description's English line with whitespace collapsed ('' when there is none)."""
    with open(txt_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.lstrip("\ufeff")
            if line.strip() and not LANG_LINE.match(line):
                text = " ".join(line.split())
                return text if re.search(r"[A-Za-z]", text) else ""
    return ""


def find_stamps(root, use_svg, counts):
    """[(relative image path, caption, category)] in path order; `counts` gets the skip reasons."""
    stamps = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        names = set(files)
        for f in sorted(files):
            base, ext = os.path.splitext(f)
            if ext not in (".png", ".svg"):
                continue
            rel = os.path.relpath(os.path.join(d, f), root)
            if ext == ".svg" and base + ".png" in names:
                counts["svg with a png twin (png used)"] += 1
                continue
            if ext == ".svg" and not use_svg:
                counts["svg-only (skipped, no --svg)"] += 1
                continue
            if base.endswith(SKIP_SUFFIXES):
                counts["mirror/back/thumbnail variant"] += 1
                continue
            if base + ".txt" not in names:
                counts["image without .txt"] += 1
                continue
            caption = english_line(os.path.join(d, base + ".txt"))
            if not caption:
                counts["no usable English line"] += 1
                continue
            stamps.append((rel, caption, rel.split(os.sep)[0]))
        for f in files:  # descriptions whose image is missing: worth reporting
            base, ext = os.path.splitext(f)
            if ext == ".txt" and base + ".png" not in names and base + ".svg" not in names:
                counts[".txt without image"] += 1
    return stamps


def split_of(rel):
    u = int.from_bytes(hashlib.sha256(rel.encode("utf-8")).digest()[:8], "big") / 2.0**64
    return "train" if u < 0.70 else "dev" if u < 0.85 else "test"


# ---------------------------------------------------------------- tokenizer and vocabulary
# The C++ loader tokenizes with NLTK 3.2's word_tokenize on ASCII-lowercased text
# (data/tokenize.h, NltkRules::legacy_3_2); the vocabulary must hold exactly its tokens.
# Below: the Treebank passes as NLTK writes them, and Punkt's sentence split with the English
# model reduced to what can fire on lowercase text (abbreviations, ellipses, initials and numbers
# before a lowercase word). Checked token for token against the C++ tokenizer on every line of the
# stamps' .txt files in Latin-script languages (34k) and on 80k random punctuation-heavy strings.

PUNKT_ABBREV = set(
    "a.a a.c a.d a.g a.h a.m a.m.e a.s a.t adm ala ariz aug ave b.f b.v bros c c.i.t c.o.m.b c.v calif "
    "chg cie co col colo conn corp cos ct d d.c d.h d.w dec dr e e.f e.h e.l e.m f f.g f.j feb fla fri ft "
    "g g.d g.f g.k ga gen h h.c h.f h.m i.m.s ill inc j.b j.c j.j j.k j.p j.r jan jr k kan ky l l.a l.f "
    "l.p lt ltd m m.b.a m.d.c m.j maj messrs mg mich minn mr mrs ms n n.c n.d n.h n.j n.m n.v n.y nev nov "
    "oct ok okla ore p p.a.m p.m pa ph.d prof r r.a r.h r.i r.j r.k r.t rep reps s s.a s.a.y s.c s.g "
    "s.p.a s.s sen sep sept sr st sw t t.j tenn tues u.k u.n u.s u.s.a u.s.s.r v va vs vt w w.c w.r w.va "
    "w.w wash wed wis yr".split()) | {". . "}
PUNKT_LOWER_STARTERS = {"administrators", "b-week", "r-revised", "z-holiday"}
NUMBER = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
TREEBANK = [(re.compile(p), r) for p, r in [
    ("([«“‘])", r" \1 "), (r'^"', "``"), ("(``)", r" \1 "), (r'([ (\[{<])"', r"\1 `` "),
    (r"([^\.])(\.)([\]\)}>\"'»”’ ]*)\s*$", r"\1 \2 \3 "), (r"([:,])([^\d])", r" \1 \2"),
    (r"([:,])$", r" \1 "), (r"\.\.\.", " ... "), (r"[;@#$%&]", r" \g<0> "),
    (r"([^\.])(\.)([\]\)}>\"']*)\s*$", r"\1 \2\3 "), (r"[?!]", r" \g<0> "), (r"([^'])' ", r"\1 ' "),
    (r"[\]\[\(\)\{\}\<\>]", r" \g<0> "), ("--", " -- ")]]
ENDING = [(re.compile(p), r) for p, r in [
    ("([»”’])", r" \1 "), ('"', " '' "), (r"(\S)('')", r"\1 \2 "),
    (r"([^' ])('[sS]|'[mM]|'[dD]|') ", r"\1 \2 "), (r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r"\1 \2 ")]]
CONTRACTIONS = [re.compile(p, re.IGNORECASE) for p in [
    r"\b(can)(not)\b", r"\b(d)('ye)\b", r"\b(gim)(me)\b", r"\b(gon)(na)\b", r"\b(got)(ta)\b",
    r"\b(lem)(me)\b", r"\b(mor)('n)\b", r"\b(wan)(na)\s", r" ('t)(is)\b", r" ('t)(was)\b"]]


def treebank(s):
    for rx, rep in TREEBANK:
        s = rx.sub(rep, s)
    s = " " + s + " "
    for rx, rep in ENDING:
        s = rx.sub(rep, s)
    for rx in CONTRACTIONS:
        s = rx.sub(r" \1 \2 ", s)
    return s.split()


NON_WORD = r"[)\";}\]*:@'({\[?!]"
MULTI = r"(?:-{2,}|\.{2,}|(?:\.\s){2,}\.)"
PUNKT_WORD = re.compile(rf"{MULTI}|(?=[^(\"`{{\[:;&#*@)}}\]\-,])\S+?"
                        rf"(?=\s|$|{NON_WORD}|{MULTI}|,(?=$|\s|{NON_WORD}|{MULTI}))|\S")
SENT_END = re.compile(rf"\S*[.?!](?=\s+(\S+)|{NON_WORD})")
CLOSERS = re.compile(r"([\"')\]}]+?)(?:\s+|(?=--)|$)")


def punkt_breaks(context):
    """Whether Punkt finds a sentence break inside `context` (a candidate end plus the next token)."""
    toks = [m.group(0) for m in PUNKT_WORD.finditer(context)]
    brk = []  # the first pass: breaks at . ? ! and at periods of words that are no abbreviation
    for t in toks:
        typ = t[:-1]
        abbr = typ in PUNKT_ABBREV or ("-" in typ and typ.rsplit("-", 1)[1] in PUNKT_ABBREV)
        brk.append(t in (".", "?", "!") or (t.endswith(".") and not t.endswith("..") and not abbr))
    first = list(brk)
    for i in range(len(toks) - 1):  # the second pass; in lowercase text it can only remove breaks
        t, nxt = toks[i], toks[i + 1]
        initial = re.fullmatch(r"[^\W\d]\.", t) is not None
        if not brk[i] or not (initial or NUMBER.match(t)):
            continue
        nxt_typ = nxt[:-1] if first[i + 1] and len(nxt) > 1 and nxt.endswith(".") else nxt
        if nxt in (";", ":", ",", ".", "!", "?") or (nxt[0].islower() and nxt_typ not in PUNKT_LOWER_STARTERS) \
                or (initial and nxt[0].isupper()):
            brk[i] = False
    return any(brk[:-1])


def word_tokenize(caption):
    s = caption.translate({c: c + 32 for c in range(ord("A"), ord("Z") + 1)})  # ASCII-only lower()
    sentences, start = [], 0
    for m in SENT_END.finditer(s):
        end = m.end()
        if not punkt_breaks(s[m.start():m.end(1) if m.group(1) else end + 1]):
            continue
        nxt = m.start(1) if m.group(1) else end  # the next sentence starts at its first token
        closers = CLOSERS.match(s, nxt)  # Punkt moves closing quotes/brackets to the sentence before
        if closers:
            end, nxt = nxt + len(closers.group(1)), closers.end()
        sentences.append(s[start:end])
        start = nxt
    sentences.append(s[start:].rstrip())
    return [t for sent in sentences for t in treebank(sent)]


def vocab_json(captions, threshold):
    """`imram vocab`'s output: specials, then words seen >= threshold times by first appearance."""
    counts = collections.Counter()
    for c in captions:
        counts.update(word_tokenize(c))  # Counter keeps first-insertion order
    words = ["<pad>", "<start>", "<end>", "<unk>"] + [w for w, n in counts.items() if n >= threshold]
    doc = {"idx2word": {str(i): w for i, w in enumerate(words)},
           "word2idx": {w: i for i, w in enumerate(words)}, "idx": len(words)}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")), len(words)


# ---------------------------------------------------------------- region features


def fitted_stamp(path, box):
    """The stamp as a premultiplied RGBa image whose longer side is `box` px (aspect kept)."""
    if path.endswith(".svg"):  # rsvg-convert keeps the aspect ratio inside the box with -a
        png = subprocess.run(["rsvg-convert", "-a", "-w", str(box), "-h", str(box), path],
                             check=True, capture_output=True).stdout
        im = Image.open(io.BytesIO(png))
    else:
        im = Image.open(path)
    im = im.convert("RGBA").convert("RGBa")  # premultiplied, so transparent pixels do not bleed
    w, h = im.size
    nw, nh = max(1, round(w * box / max(w, h))), max(1, round(h * box / max(w, h)))
    return im.resize((nw, nh), Image.BILINEAR)


def canvas_arrays(canvas):
    """(premultiplied RGB, alpha) of a SIZE x SIZE RGBa canvas, floats in [0, 1]."""
    a = np.asarray(canvas, dtype=np.float64) / 255.0
    return a[..., :3], a[..., 3]


def load_canvas(path):
    """(premultiplied RGB, alpha) of the stamp fitted into the SIZE x SIZE canvas, floats in [0, 1]."""
    im = fitted_stamp(path, SIZE)
    canvas = Image.new("RGBa", (SIZE, SIZE), (0, 0, 0, 0))
    canvas.paste(im, ((SIZE - im.size[0]) // 2, (SIZE - im.size[1]) // 2))
    return canvas_arrays(canvas)


def cells(x):
    """(SIZE, SIZE, ...) -> (36, CELL * CELL, ...): the grid cells, row-major, pixels flattened."""
    x = x.reshape(GRID, CELL, GRID, CELL, *x.shape[2:]).swapaxes(1, 2)
    return x.reshape(GRID * GRID, CELL * CELL, *x.shape[4:])


def descriptors(path):
    return canvas_descriptors(*load_canvas(path))


def canvas_descriptors(prgb, alpha):
    """(36, 34): step 3 of the recipe for a canvas given as (premultiplied RGB, alpha)."""
    comp = prgb + (1.0 - alpha[..., None])  # over white
    rgb = np.where(alpha[..., None] > 0, prgb / np.maximum(alpha, 1e-12)[..., None], 1.0).clip(0, 1)

    # Colour bins: 12 hues for chromatic pixels, then black / grey / white.
    mx, mn = rgb.max(-1), rgb.min(-1)
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-12), 0.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    hue = np.degrees(np.arctan2(np.sqrt(3.0) * (g - b), 2.0 * r - g - b)) % 360.0
    achrom = (sat < 0.2) | (mx < 0.15)
    grey_bin = 12 + (mx >= 0.15).astype(int) + (mx >= 0.7).astype(int)
    colour_bin = np.where(achrom, grey_bin, np.minimum((hue // 30).astype(int), 11))

    lum = comp @ np.array([0.299, 0.587, 0.114])
    gx, gy = np.zeros_like(lum), np.zeros_like(lum)
    gx[:, :-1] = lum[:, 1:] - lum[:, :-1]
    gy[:-1, :] = lum[1:, :] - lum[:-1, :]
    mag = np.hypot(gx, gy)
    ori_bin = np.minimum((np.arctan2(gy, gx) % np.pi) / (np.pi / 8), 7).astype(int)

    ca, cp, cb, cl, cm, co = (cells(v) for v in (alpha, prgb, colour_bin, lum, mag, ori_bin))
    n = CELL * CELL
    rows = np.arange(GRID * GRID)
    hist = np.zeros((GRID * GRID, 15))
    np.add.at(hist, (rows[:, None].repeat(n, 1), cb), ca / n)
    ori = np.zeros((GRID * GRID, 8))
    np.add.at(ori, (rows[:, None].repeat(n, 1), co), cm / n)
    quarters = ca.reshape(-1, 2, CELL // 2, 2, CELL // 2).mean(axis=(2, 4)).reshape(-1, 4)
    asum = ca.sum(1)
    mean_col = np.where(asum[:, None] > 1e-9, cp.sum(1) / np.maximum(asum, 1e-9)[:, None], 1.0)
    pos = np.stack([rows // GRID, rows % GRID], 1) / GRID + 0.5 / GRID
    return np.concatenate([ca.mean(1, keepdims=True), quarters, mean_col, hist, ori,
                           cl.std(1, keepdims=True), pos], axis=1)  # (36, 34)


def project(desc, mean, std, proj):
    """ReLU(standardised desc @ proj) as float32. The sum runs over the 34 inputs in a fixed order
    in float64, so the bytes do not depend on the BLAS library or its thread count."""
    z = (desc - mean) / std
    out = np.zeros(z.shape[:-1] + (proj.shape[1],))
    for k in range(proj.shape[0]):
        out += z[..., k, None] * proj[k]
    return np.maximum(out, 0.0).astype("<f4")


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="data root (gets tuxpaint_precomp/ and vocab/)")
    ap.add_argument("--stamps", default="/usr/share/tuxpaint/stamps")
    ap.add_argument("--threshold", type=int, default=1, help="vocabulary word-count threshold")
    ap.add_argument("--svg", action="store_true", help="also use SVG-only stamps (needs rsvg-convert)")
    args = ap.parse_args()
    t0 = time.time()
    if not os.path.isdir(args.stamps):
        sys.exit(f"error: no stamps at {args.stamps}; install them with "
                 "`apt-get install tuxpaint-stamps-default` (or pass --stamps DIR)")
    if args.svg and shutil.which("rsvg-convert") is None:
        sys.exit("error: --svg needs rsvg-convert: `apt-get install librsvg2-bin`")

    skipped = collections.Counter()
    stamps = find_stamps(args.stamps, args.svg, skipped)
    if not stamps:
        sys.exit(f"error: no described stamps under {args.stamps}")
    by_split = {s: [st for st in stamps if split_of(st[0]) == s] for s in SPLITS}

    desc = {s: np.stack([descriptors(os.path.join(args.stamps, st[0])) for st in by_split[s]])
            for s in SPLITS}
    train_regions = desc["train"].reshape(-1, desc["train"].shape[-1])
    mean, std = train_regions.mean(0), train_regions.std(0)
    std = np.where(std > 1e-8, std, 1.0)  # a constant dimension would otherwise divide by zero
    proj = np.random.default_rng(PROJ_SEED).standard_normal((desc["train"].shape[-1], FEAT_DIM))
    proj /= np.sqrt(proj.shape[0])

    out_dir = os.path.join(args.out, "tuxpaint_precomp")
    os.makedirs(out_dir, exist_ok=True)
    for s in SPLITS:
        feats = np.concatenate([project(desc[s][i:i + 64], mean, std, proj)
                                for i in range(0, len(desc[s]), 64)])
        np.save(os.path.join(out_dir, f"{s}_ims.npy"), np.ascontiguousarray(feats))
        for name, col in (("ids", 0), ("caps", 1), ("labels", 2)):
            with open(os.path.join(out_dir, f"{s}_{name}.txt"), "w", encoding="utf-8", newline="\n") as f:
                f.writelines(st[col] + "\n" for st in by_split[s])

    train_caps = [st[1] for st in by_split["train"]]
    text, vocab_size = vocab_json(train_caps, args.threshold)
    os.makedirs(os.path.join(args.out, "vocab"), exist_ok=True)
    with open(os.path.join(args.out, "vocab", "tuxpaint_precomp_vocab.json"), "w", encoding="utf-8") as f:
        f.write(text)

    # ---- summary
    vocab = set(json.loads(text)["word2idx"])
    print(f"stamps: {len(stamps)} described images from {args.stamps}")
    for reason, n in sorted(skipped.items()):
        print(f"  skipped/merged: {n:4d}  {reason}")
    for what, key in (("identical", lambda c: c), ("identical once tokenized", word_tokenize)):
        dups = collections.Counter(tuple(key(st[1])) if key is word_tokenize else st[1] for st in stamps)
        print(f"  captions {what} for several stamps: {sum(n > 1 for n in dups.values())} distinct, "
              f"on {sum(n for n in dups.values() if n > 1)} stamps (all kept)")
    cats = collections.Counter(st[2] for st in stamps)
    print(f"categories: {len(cats)} (" + ", ".join(f"{c} {n}" for c, n in sorted(cats.items())) + ")")
    for s in SPLITS:
        lens = [len(word_tokenize(st[1])) for st in by_split[s]]
        toks = [w for st in by_split[s] for w in word_tokenize(st[1])]
        oov = sum(w not in vocab for w in toks) / max(1, len(toks))
        print(f"  {s:5s}: {len(by_split[s]):4d} images, {len(set(st[2] for st in by_split[s]))} categories, "
              f"tokens/caption min {min(lens)} mean {statistics.mean(lens):.2f} median "
              f"{statistics.median(lens):g} max {max(lens)}, <unk> rate {100 * oov:.1f}%")
    print(f"vocabulary: {vocab_size} entries (4 specials), threshold {args.threshold}, train captions only")
    print(f"features: {FEAT_DIM}-d, 36 regions, mean {np.load(os.path.join(out_dir, 'train_ims.npy')).mean():.4f}")
    print(f"wrote {out_dir} and {args.out}/vocab/tuxpaint_precomp_vocab.json in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
