# SPDX-License-Identifier: MIT
"""Word vectors from WordNet, for data sets whose captions are too few to teach a model what words
mean (most words of the Tux Paint set occur once; a fifth of its test words never occur in train).

    apt-get install -y python3-numpy wordnet-base
    /usr/bin/python3 tools/make_wordnet_vectors.py --vocab data/vocab/tuxpaint_precomp_vocab.json \\
        --out data/wordnet --name tuxpaint_precomp

Writes, byte-identical on every run with the same inputs and WordNet version:
  OUT/{name}_vocab.json        the input vocabulary (same ids), then every WordNet word form below
  OUT/{name}_wordnet_{dim}d.txt   one line per vocabulary word with a vector: "word v1 ... v{dim}",
                               the layout `imram train --word_vectors` reads (GloVe's)

The vocabulary grows with knowledge from outside the data, never from its dev or test captions:
every single-word lemma of WordNet (letters a-z only) and its inflected forms (the exception lists
*.exc, regular noun plurals, verb -s/-ed/-ing forms, adjective -er/-est forms), so that a test word
such as "frog" or "blueberries" that no training caption holds still has an id and a meaning.

The vector of a word (the recipe, fixed). Its lemmas are the word itself and what WordNet's
morphology (exceptions, then the detachment rules of morphy) reduces it to. Each sense of a lemma
(all parts of speech, in index.* order; sense k of its part of speech weighted 0.5^k) contributes
its features: the synset itself, every ancestor along hypernym and instance-hypernym pointers, for
an adjective the synsets it is "similar to", and the lexicographer file (noun.animal, noun.food, ...).
A synset feature weighs its information content log(N / d), where d counts the synsets at or below
it and N all synsets of its part of speech (the root "entity" weighs ~0; a leaf the most); a
lexicographer file weighs 2. Each feature has a fixed Gaussian vector (numpy default_rng(seed), one
row per feature in sorted order, scaled by 1/sqrt(dim)); a word's vector is the weighted sum of its
features' vectors, scaled to unit length. So words that share specific ancestors (frog, toad: anuran)
point the same way, and words that share only "entity" are nearly orthogonal. Vocabulary words that
WordNet does not know (the special tokens, names like "tux") get no line: the model's own
initialisation keeps them.
"""
import argparse
import collections
import json
import math
import os
import re
import sys

import numpy as np

POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
WORD = re.compile(r"^[a-z]+$")
# morphy's detachment rules (WordNet's morph.c), by part of speech.
DETACH = {
    "n": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
          ("ies", "y")],
    "v": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
    "a": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "r": [],
}


def read_wordnet(root):
    """Synsets {(pos, offset): (lexfile, [pointer (symbol, pos, offset)])}, lemma senses
    {lemma: [(pos, offset, rank)]} and exceptions {form: {(pos, lemma)}}."""
    synsets = {}
    for pos_name, pos in POS.items():
        with open(os.path.join(root, "data." + pos_name), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue  # the licence header
                fields = line.split(" | ")[0].split()
                offset, lexfile = int(fields[0]), int(fields[1])
                w_cnt = int(fields[3], 16)
                i = 4 + 2 * w_cnt
                p_cnt = int(fields[i])
                ptrs = []
                for k in range(p_cnt):
                    sym, off, ppos = fields[i + 1 + 4 * k: i + 4 + 4 * k]
                    ptrs.append((sym, "a" if ppos == "s" else ppos, int(off)))
                synsets[(pos, offset)] = ("%02d" % lexfile, ptrs)  # lexicographer file number (lexnames)
    senses = collections.defaultdict(list)
    for pos_name, pos in POS.items():
        with open(os.path.join(root, "index." + pos_name), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                fields = line.split()
                lemma = fields[0]
                synset_cnt, p_cnt = int(fields[2]), int(fields[3])
                offsets = fields[4 + p_cnt + 2:]
                assert len(offsets) == synset_cnt, line
                for rank, off in enumerate(offsets):
                    senses[lemma].append((pos, int(off), rank))
    exceptions = collections.defaultdict(set)
    for pos_name, pos in POS.items():
        path = os.path.join(root, pos_name + ".exc")
        if os.path.exists(path):
            with open(path, encoding="latin-1") as f:
                for line in f:
                    form, *bases = line.split()
                    for b in bases:
                        exceptions[form].add((pos, b))
    return synsets, senses, exceptions


def lemmas_of(word, senses, exceptions):
    """WordNet's morphy: the word itself if a lemma, exception bases, then detachment rules."""
    out = set()
    if word in senses:
        out.add(word)
    for pos, base in exceptions.get(word, ()):
        if base in senses:
            out.add(base)
    for pos, rules in DETACH.items():
        for suffix, ending in rules:
            if word.endswith(suffix) and len(word) > len(suffix):
                base = word[: -len(suffix)] + ending
                if any(p == pos for p, _, _ in senses.get(base, ())):
                    out.add(base)
    return sorted(out)


def inflections(lemma, pos):
    if pos == "n":
        if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
            return [lemma[:-1] + "ies"]
        if lemma.endswith(("s", "x", "z", "ch", "sh")):
            return [lemma + "es"]
        return [lemma + "s"]
    if pos == "v":
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        return [lemma + "s", stem + "ed", stem + "ing"]
    if pos == "a" and len(lemma) <= 6:
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        return [stem + "er", stem + "est"]
    return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vocab", required=True, help="the data set's vocabulary JSON (imram vocab's format)")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--name", required=True, help="data_name: writes {name}_vocab.json")
    ap.add_argument("--wordnet", default="/usr/share/wordnet", help="WordNet 3.0 database folder")
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261130)
    args = ap.parse_args()

    synsets, senses, exceptions = read_wordnet(args.wordnet)

    # Information content from the hypernym closure.
    def parents(key):
        return [(p, o) for s, p, o in synsets[key][1] if s in ("@", "@i") and (p, o) in synsets]

    ancestors = {}

    def ancestors_of(key):
        if key not in ancestors:
            ancestors[key] = set()  # guards against cycles
            out = {key}
            for par in parents(key):
                out |= ancestors_of(par)
            ancestors[key] = out
        return ancestors[key]

    sys.setrecursionlimit(10000)
    below = collections.Counter()
    per_pos = collections.Counter()
    for key in synsets:
        per_pos[key[0]] += 1
        for a in ancestors_of(key):
            below[a] += 1
    ic = {key: math.log(per_pos[key[0]] / below[key]) for key in synsets}

    def sense_features(key):
        feats = collections.Counter()
        keys = set(ancestors_of(key))
        for s, p, o in synsets[key][1]:
            if s == "&" and (p, o) in synsets:
                keys |= ancestors_of((p, o))
        for k in keys:
            feats["%s%08d" % k] += ic[k]
        feats["lex:" + synsets[key][0]] += 2.0
        return feats

    # The vocabulary: the data's words first (same ids), then WordNet's forms in sorted order.
    with open(args.vocab) as f:
        vocab = json.load(f)
    idx2word = [vocab["idx2word"][str(i)] for i in range(vocab["idx"])]
    known = set(idx2word)
    forms = set()
    for lemma, ss in senses.items():
        if WORD.match(lemma):
            forms.add(lemma)
            for pos in {p for p, _, _ in ss}:
                forms.update(f for f in inflections(lemma, pos) if WORD.match(f))
    for form in exceptions:
        if WORD.match(form):
            forms.add(form)
    added = sorted(forms - known)
    idx2word += added

    # Features per vocabulary word.
    word_feats = {}
    for w in idx2word:
        feats = collections.Counter()
        for lemma in lemmas_of(w, senses, exceptions):
            for pos, off, rank in senses[lemma]:
                if (pos, off) in synsets:
                    for k, v in sense_features((pos, off)).items():
                        feats[k] += 0.5 ** rank * v
        if feats:
            word_feats[w] = feats
    names = sorted({k for fs in word_feats.values() for k in fs})
    col = {k: i for i, k in enumerate(names)}
    rng = np.random.default_rng(args.seed)
    proj = (rng.standard_normal((len(names), args.dim)) / math.sqrt(args.dim)).astype(np.float64)

    os.makedirs(args.out, exist_ok=True)
    vec_path = os.path.join(args.out, "%s_wordnet_%dd.txt" % (args.name, args.dim))
    n_vec = 0
    with open(vec_path + ".tmp", "w") as out:
        for w in idx2word:
            fs = word_feats.get(w)
            if not fs:
                continue
            keys = sorted(fs)
            v = np.array([fs[k] for k in keys]) @ proj[[col[k] for k in keys]]
            norm = np.linalg.norm(v)
            if norm == 0:
                continue
            v /= norm
            out.write(w + " " + " ".join("%.6f" % x for x in v) + "\n")
            n_vec += 1
    os.replace(vec_path + ".tmp", vec_path)
    vocab_path = os.path.join(args.out, args.name + "_vocab.json")
    with open(vocab_path + ".tmp", "w") as out:
        json.dump({"idx2word": {str(i): w for i, w in enumerate(idx2word)},
                   "word2idx": {w: i for i, w in enumerate(idx2word)}, "idx": len(idx2word)}, out)
    os.replace(vocab_path + ".tmp", vocab_path)
    data_words = len(known)
    print("%s: %d words (%d from the data, %d from WordNet); %s: %d vectors (%d of the data's words)" %
          (vocab_path, len(idx2word), data_words, len(added), vec_path, n_vec,
           sum(1 for w in idx2word[:data_words] if w in word_feats)))


if __name__ == "__main__":
    main()
