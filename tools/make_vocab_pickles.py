#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the pickled-vocabulary fixtures of tests/fixtures/vocab_pkl/ (plain Python, no torch):

    /usr/bin/python3 tools/make_vocab_pickles.py tests/fixtures/vocab_pkl

vocab.py (VSE++, and after it CAMP and PCME) pickles an instance of its class vocab.Vocabulary with
the attributes word2idx (word -> id), idx2word (id -> word) and idx (the size). The official files
were written by Python 2 with pickle.HIGHEST_PROTOCOL (2): the words are Python 2 byte strings.

* py2_proto2.pkl: that layout, assembled opcode by opcode as Python 2 writes it (GLOBAL vocab
  Vocabulary, EMPTY_TUPLE, NEWOBJ, BUILD with the attribute dict; words as SHORT_BINSTRING), with ids
  in an order unlike first appearance, a UTF-8 word ("naïve") and a Latin-1 one ("café" as 0xE9).
* py3_proto2.pkl, proto1.pkl, proto4.pkl: the same vocabulary pickled by Python 3 at protocols 2, 1
  (through copy_reg._reconstructor) and 4 (STACK_GLOBAL, FRAME, MEMOIZE), words as unicode. Protocol 0 (text opcodes) is not read
  by the engine: proto0.pkl checks that it is refused with a clear error.
* expected.json: the vocabulary py2_proto2, py3_proto2, proto1 and proto4 must give, in the engine's JSON layout.
* evil.pkl: a pickle that would call posix.system; bad_idx.pkl: idx disagrees with the dicts.
"""
import json
import os
import pickle
import struct
import sys
import types

WORDS = ["<pad>", "<start>", "<end>", "<unk>", "zebra", "a", "naïve", "café", "dog", "''"]
IDS = [0, 1, 2, 3, 7, 4, 9, 5, 8, 6]  # word k has id IDS[k]


def py2_string(b):
    return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<i", len(b)) + b)


def py2_int(i):
    return b"K" + bytes([i]) if i < 256 else b"J" + struct.pack("<i", i)


def py2_proto2(words, ids, idx):
    """Python 2's pickle.dump(vocab, f, 2) for a new-style class, without memo reuse."""
    enc = {"naïve": "naïve".encode("utf-8"), "café": "café".encode("latin-1")}
    b = lambda w: enc[w] if w in enc else w.encode("ascii")
    out = b"\x80\x02" + b"cvocab\nVocabulary\n" + b")" + b"\x81" + b"}" + b"("
    out += py2_string(b"word2idx") + b"}" + b"("
    for w, i in zip(words, ids):
        out += py2_string(b(w)) + py2_int(i)
    out += b"u"
    out += py2_string(b"idx2word") + b"}" + b"("
    for w, i in sorted(zip(words, ids), key=lambda p: p[1]):
        out += py2_int(i) + py2_string(b(w))
    out += b"u"
    out += py2_string(b"idx") + py2_int(idx)
    out += b"u" + b"b" + b"."
    return out


class Vocabulary(object):
    def __init__(self):
        self.word2idx, self.idx2word, self.idx = {}, {}, 0


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    module = types.ModuleType("vocab")
    module.Vocabulary = Vocabulary
    Vocabulary.__module__ = "vocab"
    sys.modules["vocab"] = module
    v = Vocabulary()
    for w, i in zip(WORDS, IDS):
        v.word2idx[w] = i
        v.idx2word[i] = w
    v.idx = len(WORDS)

    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    write("py2_proto2.pkl", py2_proto2(WORDS, IDS, len(WORDS)))
    write("py3_proto2.pkl", pickle.dumps(v, protocol=2))
    write("proto1.pkl", pickle.dumps(v, protocol=1))
    write("proto4.pkl", pickle.dumps(v, protocol=4))
    write("proto0.pkl", pickle.dumps(v, protocol=0))
    write("bad_idx.pkl", py2_proto2(WORDS, IDS, len(WORDS) + 1))
    # posix.system("true") as the value of idx: the reader must refuse the global, never call it.
    evil = py2_proto2(WORDS, IDS, 0).replace(py2_string(b"idx") + py2_int(0),
                                             py2_string(b"idx") + b"cposix\nsystem\n" + py2_string(b"true") + b"\x85R")
    write("evil.pkl", evil)
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        order = sorted(zip(IDS, WORDS))
        json.dump({"idx2word": {str(i): w for i, w in order}, "word2idx": {w: i for i, w in order},
                   "idx": len(WORDS)}, f, ensure_ascii=False)
    # The Python 2 stream must load in Python 3 as the official files do (encoding='latin1').
    with open(os.path.join(out, "py2_proto2.pkl"), "rb") as f:
        back = pickle.load(f, encoding="latin1")
    assert back.idx == len(WORDS) and back.word2idx["dog"] == 8, back.__dict__


if __name__ == "__main__":
    main()
