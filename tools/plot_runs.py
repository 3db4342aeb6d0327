# SPDX-License-Identifier: MIT
"""Plots for docs/RESULTS.md as self-contained SVG (no plotting library, no external fonts or scripts).

Learning curves of several runs side by side: training loss per epoch (log scale) and dev rsum per
epoch, one line per run, from each run directory's metrics.jsonl (what `imram train --run_dir DIR`
writes; an epoch without a "dev" entry leaves a gap in the dev panel):

    /usr/bin/python3 tools/plot_runs.py curves OUT.svg --run LABEL=DIR [--run LABEL=DIR ...] [--title T]

Runs whose labels differ only in a trailing seed ("... seed 2", "... s2") share a colour and differ
in the dash pattern.

Recall by uncertainty quarter for probabilistic models (PCME): each DIR holds sims.npy,
img_uncertainty.npy and cap_uncertainty.npy of one model, as written by

    build/release/imram eval --checkpoint M --split test --save-sims DIR/sims.npy
    build/release/imram encode --checkpoint M --split test --out DIR
    /usr/bin/python3 tools/plot_runs.py quartiles OUT.svg --dir LABEL=DIR [--dir LABEL=DIR ...] [--im_div N]

Queries are ordered by their own mean sigma and cut into quarters, Q1 the least uncertain and Q4 the
most (Q1 and Q4 are the quarters tools/uncertainty_quartiles.py reports; the ranks are its ranks, ties
counted against the model). One row of panels per DIR, i2t and t2i side by side, bars R@1, R@5 and
R@10 per quarter; the same numbers are printed as a table. --im_div is the captions per image (5 for
the demo, 1 for Tux Paint): given once it applies to every DIR, given once per --dir it pairs with
them in order, left out it is captions / images of each sims.npy.

Recall of two-stage search against the number of candidates (docs/embedding.md), from the JSON of
`imram eval --checkpoint M --first_stage F --candidates 1,2,5,... --json > FILE.json`: R@1 per
direction against the candidates (log scale), one line per FILE, the first stage alone (dotted) and
exhaustive search with M (dashed) as levels:

    /usr/bin/python3 tools/plot_runs.py two_stage OUT.svg --eval LABEL=FILE.json [--eval ...] [--title T]

Bad input (a missing file, a missing field, shapes that do not fit) is reported with the file and
the field, exit status 2. OUT is written to OUT.tmp and renamed over OUT.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uncertainty_quartiles as uq  # noqa: E402  (the rank computation, shared)

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22"]
DASHES = ["", "7,3", "2,2", "9,3,2,3", "4,4"]
BAR_COLOURS = ["#9ecae1", "#4292c6", "#08519c"]  # R@1, R@5, R@10
KS = (1, 5, 10)


class InputError(Exception):
    pass


def fail(msg):
    print(f"plot_runs.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def esc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def fmt(v):
    """A tick label: no trailing zeros, thousands separated."""
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    s = f"{v:.6g}"
    return s


def nice_ticks(lo, hi, n=5):
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    stop = math.ceil(hi / step) * step
    ticks = []
    t = start
    while t <= stop + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def log_ticks(lo, hi):
    """Tick values for a log axis covering [lo, hi]: decades, plus 2 and 5 when it spans few."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mult = (1,) if b - a > 3 else (1, 2, 5)
    ticks = [m * 10 ** e for e in range(a, b + 1) for m in mult]
    lo_t = max(t for t in ticks if t <= lo)
    hi_t = min(t for t in ticks if t >= hi)
    return [t for t in ticks if lo_t <= t <= hi_t]


class Svg:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' "
                      f"viewBox='0 0 {w} {h}' font-family='sans-serif'>",
                      f"<rect width='{w}' height='{h}' fill='white'/>"]

    def add(self, s):
        self.parts.append(s)

    def text(self, x, y, s, size=11, anchor="middle", extra=""):
        self.add(f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}'{extra}>{esc(s)}</text>")

    def line(self, x1, y1, x2, y2, stroke="#999", width=1, extra=""):
        self.add(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{stroke}' "
                 f"stroke-width='{width}'{extra}/>")

    def rect(self, x, y, w, h, fill="none", stroke="none", extra=""):
        self.add(f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{h:.1f}' fill='{fill}' "
                 f"stroke='{stroke}'{extra}/>")

    def render(self):
        return "\n".join(self.parts + ["</svg>", ""])


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        fail(f"{path}: folder {d} does not exist")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def split_label(spec, flag):
    if "=" not in spec:
        fail(f"{flag} {spec!r}: expected LABEL=DIR")
    label, d = spec.rsplit("=", 1)
    if not label or not d:
        fail(f"{flag} {spec!r}: expected LABEL=DIR")
    return label, d


# ----------------------------------------------------------------------------------------- curves

def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def read_metrics(d):
    path = os.path.join(d, "metrics.jsonl")
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path} line {n}: not JSON ({e.msg})")
            if not isinstance(obj, dict):
                raise InputError(f"{path} line {n}: not a JSON object")
            for field in ("epoch", "train_loss"):
                if field not in obj:
                    raise InputError(f"{path} line {n}: missing field \"{field}\"")
                if not number(obj[field]):
                    raise InputError(f"{path} line {n}: field \"{field}\" is not a finite number")
            if obj["train_loss"] <= 0:
                raise InputError(f"{path} line {n}: field \"train_loss\" is {obj['train_loss']}, "
                                 "not positive (the loss axis is logarithmic)")
            rsum = None
            if "dev" in obj:
                dev = obj["dev"]
                if not isinstance(dev, dict) or "rsum" not in dev:
                    raise InputError(f"{path} line {n}: missing field \"dev\".\"rsum\"")
                if not number(dev["rsum"]):
                    raise InputError(f"{path} line {n}: field \"dev\".\"rsum\" is not a finite number")
                rsum = float(dev["rsum"])
            rows.append((float(obj["epoch"]), float(obj["train_loss"]), rsum))
    if not rows:
        raise InputError(f"{path}: no epochs")
    return rows


def family(label):
    return re.sub(r"[\s,]*(seed|s)\s*\d+$", "", label.strip(), flags=re.IGNORECASE)


def styles(labels):
    fams, out = {}, []
    for lab in labels:
        f = family(lab)
        if f not in fams:
            fams[f] = [len(fams), 0]
        idx, member = fams[f]
        fams[f][1] += 1
        colour = PALETTE[idx % len(PALETTE)]
        dash = DASHES[(member + idx // len(PALETTE)) % len(DASHES)]
        out.append((colour, dash))
    return out


def panel(svg, x0, y0, w, h, title, xlabel, xticks, yticks, xmap, ymap, ylabel):
    svg.text(x0 + w / 2, y0 - 8, title, size=13)
    for t in yticks:
        y = ymap(t)
        svg.line(x0, y, x0 + w, y, stroke="#e5e5e5")
        svg.line(x0 - 4, y, x0, y, stroke="#555")
        svg.text(x0 - 7, y + 4, fmt(t), size=10, anchor="end")
    for t in xticks:
        x = xmap(t)
        svg.line(x, y0 + h, x, y0 + h + 4, stroke="#555")
        svg.text(x, y0 + h + 16, fmt(t), size=10)
    svg.rect(x0, y0, w, h, stroke="#777")
    svg.text(x0 + w / 2, y0 + h + 32, xlabel, size=11)
    svg.text(x0 - 46, y0 + h / 2, ylabel, size=11,
             extra=f" transform='rotate(-90 {x0 - 46:.1f} {y0 + h / 2:.1f})'")


def polylines(svg, pts, colour, dash, xmap, ymap):
    """pts: list of (x, y or None); a None breaks the line."""
    seg = []
    segs = []
    for x, y in pts:
        if y is None:
            if seg:
                segs.append(seg)
            seg = []
        else:
            seg.append((xmap(x), ymap(y)))
    if seg:
        segs.append(seg)
    d = f" stroke-dasharray='{dash}'" if dash else ""
    for s in segs:
        if len(s) == 1:
            svg.add(f"<circle cx='{s[0][0]:.1f}' cy='{s[0][1]:.1f}' r='2.5' fill='{colour}'/>")
        else:
            p = " ".join(f"{x:.1f},{y:.1f}" for x, y in s)
            svg.add(f"<polyline fill='none' stroke='{colour}' stroke-width='1.6'{d} points='{p}'/>")


def cmd_curves(a):
    if not a.run:
        fail("curves needs at least one --run LABEL=DIR")
    runs = []
    for spec in a.run:
        label, d = split_label(spec, "--run")
        try:
            runs.append((label, read_metrics(d)))
        except InputError as e:
            fail(str(e))

    epochs = [r[0] for _, rows in runs for r in rows]
    losses = [r[1] for _, rows in runs for r in rows]
    rsums = [r[2] for _, rows in runs for r in rows if r[2] is not None]
    if not rsums:
        fail("no epoch has the field \"dev\".\"rsum\" in " +
             ", ".join(os.path.join(split_label(x, "--run")[1], "metrics.jsonl") for x in a.run))

    pw, ph, ml, mr, mt = 400, 260, 70, 30, 60
    gap = 90
    w = ml + pw + gap + pw + mr
    legend = []
    for lab, rows in runs:
        best = max((x for x in rows if x[2] is not None), key=lambda x: x[2], default=None)
        legend.append(lab + (f"  (best dev {best[2]:.1f} at epoch {best[0]:g})" if best else ""))
    # columns as wide as the longest entry allows (about 6.2 px a character at 11 px)
    entry_w = 36 + 6.2 * max(len(t) for t in legend) + 20
    ncol = max(1, min(3, int((w - 2 * ml) // entry_w), math.ceil(len(runs) / 2)))
    nrow = math.ceil(len(runs) / ncol)
    legend_y = mt + ph + 52
    h = legend_y + nrow * 18 + 16
    svg = Svg(w, h)
    if a.title:
        svg.text(w / 2, 22, a.title, size=15)

    xt = nice_ticks(min(epochs), max(epochs), 6)
    xt = [t for t in xt if t >= 0]
    xlo, xhi = min(xt[0], min(epochs)), max(xt[-1], max(epochs))

    def xmap_at(x0):
        return lambda e: x0 + (e - xlo) / (xhi - xlo or 1) * pw

    # loss panel (log)
    lt = log_ticks(min(losses), max(losses))
    llo, lhi = math.log10(lt[0]), math.log10(lt[-1])
    if lhi == llo:
        llo, lhi = llo - 0.5, lhi + 0.5

    def ymap_loss(v):
        return mt + ph - (math.log10(v) - llo) / (lhi - llo) * ph

    x0 = ml
    xm = xmap_at(x0)
    panel(svg, x0, mt, pw, ph, "training loss (log scale)", "epoch", xt, lt, xm, ymap_loss, "loss")
    st = styles([lab for lab, _ in runs])
    for (lab, rows), (colour, dash) in zip(runs, st):
        polylines(svg, [(e, l) for e, l, _ in rows], colour, dash, xm, ymap_loss)

    # dev rsum panel
    rt = nice_ticks(min(rsums), max(rsums), 6)
    rlo, rhi = rt[0], rt[-1]

    def ymap_rsum(v):
        return mt + ph - (v - rlo) / (rhi - rlo) * ph

    x1 = ml + pw + gap
    xm1 = xmap_at(x1)
    panel(svg, x1, mt, pw, ph, "dev rsum", "epoch", xt, rt, xm1, ymap_rsum, "rsum")
    for (lab, rows), (colour, dash) in zip(runs, st):
        polylines(svg, [(e, r) for e, _, r in rows], colour, dash, xm1, ymap_rsum)

    # legend
    colw = (w - 2 * ml) / ncol
    for i, (text, (colour, dash)) in enumerate(zip(legend, st)):
        c, r = i // nrow, i % nrow
        lx, ly = ml + c * colw, legend_y + r * 18
        d = f" stroke-dasharray='{dash}'" if dash else ""
        svg.line(lx, ly - 4, lx + 30, ly - 4, stroke=colour, width=2, extra=d)
        svg.text(lx + 36, ly, text, size=11, anchor="start")
    write_atomic(a.out, svg.render())
    print(f"wrote {a.out}: {len(runs)} runs")


# -------------------------------------------------------------------------------------- quartiles

def load_npy(d, name, ndim):
    path = os.path.join(d, name)
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        x = np.load(path)
    except Exception as e:  # a truncated or foreign file
        raise InputError(f"{path}: not a .npy array ({e})")
    if x.ndim != ndim:
        raise InputError(f"{path}: expected {ndim} dimensions, got shape {x.shape}")
    return x.astype(np.float64)


def quarters(u):
    """Index sets Q1 (least uncertain) .. Q4; Q1 and Q4 as tools/uncertainty_quartiles.py cuts them."""
    order = np.argsort(u, kind="stable")
    n, q = len(order), len(order) // 4
    edges = [0, q, n // 2, n - q, n]
    return [order[edges[i]:edges[i + 1]] for i in range(4)]


def quartile_stats(d, im_div):
    s = load_npy(d, "sims.npy", 2)
    ui = load_npy(d, "img_uncertainty.npy", 1)
    uc = load_npy(d, "cap_uncertainty.npy", 1)
    ni, nc = s.shape
    if im_div is None:
        if ni == 0 or nc % ni:
            raise InputError(f"{os.path.join(d, 'sims.npy')}: shape {s.shape}: captions are not a "
                             "multiple of images; give --im_div")
        im_div = nc // ni
    if nc != ni * im_div:
        raise InputError(f"{os.path.join(d, 'sims.npy')}: shape {s.shape}: {nc} captions is not "
                         f"{ni} images x --im_div {im_div}")
    if len(ui) != ni:
        raise InputError(f"{os.path.join(d, 'img_uncertainty.npy')}: {len(ui)} entries, sims.npy has {ni} images")
    if len(uc) != nc:
        raise InputError(f"{os.path.join(d, 'cap_uncertainty.npy')}: {len(uc)} entries, sims.npy has {nc} captions")
    if ni < 4 or nc < 4:
        raise InputError(f"{os.path.join(d, 'sims.npy')}: shape {s.shape}: fewer than 4 queries")
    out = {}
    for name, ranks, u in (("i2t", uq.ranks_i2t(s, im_div), ui), ("t2i", uq.ranks_t2i(s, im_div), uc)):
        qs = []
        for idx in quarters(u):
            r = ranks[idx]
            qs.append({"n": len(idx), "sigma": float(u[idx].mean()),
                       "R": [100.0 * float((r < k).mean()) for k in KS]})
        corr = float(np.corrcoef(u, ranks)[0, 1]) if u.std() > 0 and ranks.std() > 0 else float("nan")
        out[name] = {"quarters": qs, "corr": corr, "queries": len(u), "im_div": im_div}
    return out


DIRECTION = {"i2t": "image to text (i2t)", "t2i": "text to image (t2i)"}


def cmd_quartiles(a):
    if not a.dir:
        fail("quartiles needs at least one --dir LABEL=DIR")
    if a.im_div and len(a.im_div) not in (1, len(a.dir)):
        fail(f"--im_div given {len(a.im_div)} times for {len(a.dir)} --dir: "
             "give it once, once per --dir, or not at all")
    if any(k < 1 for k in a.im_div):
        fail("--im_div must be at least 1")
    results = []
    for i, spec in enumerate(a.dir):
        label, d = split_label(spec, "--dir")
        im_div = a.im_div[i if len(a.im_div) > 1 else 0] if a.im_div else None
        try:
            results.append((label, quartile_stats(d, im_div)))
        except InputError as e:
            fail(str(e))

    # the table
    head = f"{'dir':4s} {'quarter':8s} {'n':>5s} {'mean sigma':>11s} " + " ".join(f"{'R@' + str(k):>7s}" for k in KS)
    for label, res in results:
        print(f"{label} (captions per image {res['i2t']['im_div']})")
        print("  " + head)
        for name in ("i2t", "t2i"):
            for qi, q in enumerate(res[name]["quarters"]):
                print(f"  {name:4s} {'Q' + str(qi + 1):8s} {q['n']:5d} {q['sigma']:11.4g} "
                      + " ".join(f"{v:7.2f}" for v in q["R"]))
        print(f"  Pearson correlation of mean sigma and rank: i2t {res['i2t']['corr']:+.3f}, "
              f"t2i {res['t2i']['corr']:+.3f}")

    pw, ph, ml, mt, gapx, gapy = 380, 200, 60, 66, 70, 86
    w = ml + 2 * pw + gapx + 20
    top = 34 if a.title else 10
    h = top + len(results) * (mt + ph + gapy) - gapy + 64 + 30
    svg = Svg(w, h)
    if a.title:
        svg.text(w / 2, 22, a.title, size=15)
    yt = [0, 20, 40, 60, 80, 100]
    for row, (label, res) in enumerate(results):
        y0 = top + mt + row * (mt + ph + gapy)
        for col, name in enumerate(("i2t", "t2i")):
            x0 = ml + col * (pw + gapx)
            r = res[name]
            svg.text(x0 + pw / 2, y0 - 34, f"{label}: {DIRECTION[name]}", size=13, extra=" font-weight='bold'")
            svg.text(x0 + pw / 2, y0 - 17,
                     f"{r['queries']} queries, {r['quarters'][0]['n']} a quarter; "
                     f"correlation of sigma and rank {r['corr']:+.2f}", size=11)

            def ymap(v, y0=y0):
                return y0 + ph - v / 100 * ph
            for t in yt:
                y = ymap(t)
                svg.line(x0, y, x0 + pw, y, stroke="#e5e5e5")
                svg.line(x0 - 4, y, x0, y, stroke="#555")
                svg.text(x0 - 7, y + 4, fmt(t), size=10, anchor="end")
            svg.text(x0 - 38, y0 + ph / 2, "recall (%)", size=11,
                     extra=f" transform='rotate(-90 {x0 - 38:.1f} {y0 + ph / 2:.1f})'")
            gw = pw / 4
            bw = gw * 0.22
            for qi, q in enumerate(r["quarters"]):
                gx = x0 + qi * gw + (gw - len(KS) * bw) / 2
                for ki, v in enumerate(q["R"]):
                    bx = gx + ki * bw
                    svg.rect(bx, ymap(v), bw - 1, ymap(0) - ymap(v), fill=BAR_COLOURS[ki])
                    svg.text(bx + (bw - 1) / 2, ymap(v) - 3, f"{v:.1f}".rstrip("0").rstrip("."), size=9)
                qname = ["Q1 least", "Q2", "Q3", "Q4 most"][qi]
                svg.text(x0 + qi * gw + gw / 2, y0 + ph + 15, qname, size=11)
                svg.text(x0 + qi * gw + gw / 2, y0 + ph + 29, f"sigma {q['sigma']:.3g}", size=9,
                         extra=" fill='#555'")
            svg.rect(x0, y0, pw, ph, stroke="#777")
            svg.text(x0 + pw / 2, y0 + ph + 46, "queries by uncertainty quarter (mean sigma)", size=11)
    # legend
    ly = h - 18
    lx = w / 2 - 3 * 70 / 2
    for ki, k in enumerate(KS):
        svg.rect(lx + ki * 70, ly - 10, 12, 12, fill=BAR_COLOURS[ki])
        svg.text(lx + ki * 70 + 17, ly, f"R@{k}", size=11, anchor="start")
    write_atomic(a.out, svg.render())
    print(f"wrote {a.out}")


# -------------------------------------------------------------------------------------- two_stage

def read_two_stage(spec):
    label, path = split_label(spec, "--eval")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    ts = doc.get("two_stage")
    if not isinstance(ts, dict) or not isinstance(ts.get("candidates"), dict) or "first_stage_alone" not in ts:
        fail(f"{path}: no \"two_stage\" with \"candidates\" and \"first_stage_alone\" (imram eval --first_stage ... --json)")
    if "all" not in doc:
        fail(f"{path}: no \"all\" (the exhaustive metrics)")
    try:
        curve = sorted((int(n), m["i2t"]["r1"], m["t2i"]["r1"]) for n, m in ts["candidates"].items())
        alone = (ts["first_stage_alone"]["i2t"]["r1"], ts["first_stage_alone"]["t2i"]["r1"])
        full = (doc["all"]["i2t"]["r1"], doc["all"]["t2i"]["r1"])
    except (KeyError, TypeError, ValueError) as e:
        fail(f"{path}: field {e} missing or not a number")
    if not curve:
        fail(f"{path}: \"two_stage\".\"candidates\" is empty")
    return label, curve, alone, full


def cmd_two_stage(a):
    if not a.eval:
        fail("two_stage needs at least one --eval LABEL=FILE.json")
    evals = [read_two_stage(spec) for spec in a.eval]
    pw, ph, ml, mr, mt, gap = 400, 260, 70, 30, 60, 90
    w = ml + pw + gap + pw + mr
    legend_y = mt + ph + 52
    h = legend_y + len(evals) * 18 + 34
    svg = Svg(w, h)
    if a.title:
        svg.text(w / 2, 22, a.title, size=15)
    ns = [n for _, c, _, _ in evals for n, _, _ in c]
    xt = log_ticks(min(ns), max(ns))
    xlo, xhi = math.log10(xt[0]), math.log10(xt[-1])
    st = styles([lab for lab, _, _, _ in evals])
    for side, (title, col) in enumerate((("i2t R@1", 1), ("t2i R@1", 2))):
        vals = [p[col] for _, c, _, _ in evals for p in c] + [e[2][side] for e in evals] + [e[3][side] for e in evals]
        yt = nice_ticks(min(vals), max(vals), 6)
        ylo, yhi = yt[0], yt[-1]
        x0 = ml + side * (pw + gap)

        def xmap(n, x0=x0):
            return x0 + (math.log10(n) - xlo) / (xhi - xlo or 1) * pw

        def ymap(v, ylo=ylo, yhi=yhi):
            return mt + ph - (v - ylo) / (yhi - ylo or 1) * ph

        panel(svg, x0, mt, pw, ph, title, "candidates re-ranked (log scale)", xt, yt, xmap, ymap, "recall (%)")
        for (_, curve, alone, full), (colour, _) in zip(evals, st):
            svg.line(x0, ymap(alone[side]), x0 + pw, ymap(alone[side]), stroke=colour, extra=" stroke-dasharray='2 3'")
            svg.line(x0, ymap(full[side]), x0 + pw, ymap(full[side]), stroke=colour, extra=" stroke-dasharray='7 4'")
            polylines(svg, [(p[0], p[col]) for p in curve], colour, "", xmap, ymap)
    for i, ((lab, *_), (colour, _)) in enumerate(zip(evals, st)):
        ly = legend_y + i * 18
        svg.line(ml, ly - 4, ml + 30, ly - 4, stroke=colour, width=2)
        svg.text(ml + 36, ly, lab, size=11, anchor="start")
    svg.text(ml, legend_y + len(evals) * 18 + 8, "dotted: the first stage alone; dashed: exhaustive search with the "
             "re-ranking model", size=11, anchor="start")
    write_atomic(a.out, svg.render())
    print(f"wrote {a.out}: {len(evals)} evaluations")


def main():
    ap = argparse.ArgumentParser(description="learning curves, uncertainty quarters and two-stage recall as SVG")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("curves", help="training loss and dev rsum per epoch of several runs")
    c.add_argument("out")
    c.add_argument("--run", action="append", default=[], metavar="LABEL=DIR")
    c.add_argument("--title", default="")
    q = sub.add_parser("quartiles", help="recall by uncertainty quarter of the queries")
    q.add_argument("out")
    q.add_argument("--dir", action="append", default=[], metavar="LABEL=DIR")
    q.add_argument("--im_div", type=int, action="append", default=[],
                   help="captions per image: once for every --dir, or once per --dir (default: captions / images)")
    q.add_argument("--title", default="")
    t = sub.add_parser("two_stage", help="recall of two-stage search against the candidates re-ranked")
    t.add_argument("out")
    t.add_argument("--eval", action="append", default=[], metavar="LABEL=FILE.json")
    t.add_argument("--title", default="")
    a = ap.parse_args()
    if a.cmd == "curves":
        cmd_curves(a)
    elif a.cmd == "two_stage":
        cmd_two_stage(a)
    else:
        cmd_quartiles(a)


if __name__ == "__main__":
    main()
