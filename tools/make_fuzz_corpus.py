# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<name>/): small valid files made by
NumPy / PyTorch / the json module (independent of the C++ writers) and hand-made invalid ones that
reach each check of the parsers. Run from the repository root:

    /usr/bin/python3 tools/make_fuzz_corpus.py fuzz/corpus

Files it does not write (inputs a fuzzer found, named crash-*) are left alone.
"""
import io
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402

ROOT = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus"


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- npy
def npy_bytes(arr, version=None):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, version=version, allow_pickle=False)
    return b.getvalue()


def npy_raw(header, data=b"", major=1, pad_to=64):
    h = header.encode("utf-8") if isinstance(header, str) else header
    pre = 10 if major == 1 else 12
    if pad_to:
        h += b" " * ((pad_to - (pre + len(h) + 1) % pad_to) % pad_to) + b"\n"
    ln = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + ln + h + data


a = np.arange(6, dtype="<f4").reshape(2, 3)
put("npy", "v1_2x3", npy_bytes(a, (1, 0)))
put("npy", "v2_2x3", npy_bytes(a, (2, 0)))
put("npy", "v3_2x3", npy_bytes(a, (3, 0)))
put("npy", "regions_2x4x3", npy_bytes(np.linspace(-1, 1, 24, dtype="<f4").reshape(2, 4, 3)))
put("npy", "scalar", npy_bytes(np.array(1.5, dtype="<f4")))
put("npy", "vector5", npy_bytes(np.ones(5, dtype="<f4")))
put("npy", "zero_rows", npy_bytes(np.zeros((0, 4), dtype="<f4")))
put("npy", "float64", npy_bytes(a.astype("<f8")))
put("npy", "big_endian", npy_bytes(a.astype(">f4")))
put("npy", "int32", npy_bytes(a.astype("<i4")))
put("npy", "fortran", npy_bytes(np.asfortranarray(a)))
put("npy", "structured", npy_bytes(np.zeros(2, dtype=[("x", "<f4"), ("y", "<f4")])))
put("npy", "truncated_data", npy_bytes(a)[:-5])
put("npy", "trailing_bytes", npy_bytes(a) + b"\0\0\0\0")
put("npy", "bad_magic", b"\x93NUMPX" + npy_bytes(a)[6:])
put("npy", "version_4", b"\x93NUMPY\x04\x00" + npy_bytes(a)[8:])
put("npy", "short_preamble", b"\x93NUMPY\x01")
put("npy", "v2_short_preamble", b"\x93NUMPY\x02\x00\x10\x00")
put("npy", "header_past_end", b"\x93NUMPY\x01\x00\xff\x7f{'descr': '<f4'}")
put("npy", "py2_long_dims", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }", b"\0" * 8))
put("npy", "unaligned_offset", npy_raw("{'descr':'<f4','fortran_order':False,'shape':(2,)}", b"\0\0\x80?\0\0\0@", pad_to=0))
put("npy", "extra_field", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1, }", b"\0" * 4))
put("npy", "duplicate_field", npy_raw("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (), }", b"\0" * 4))
put("npy", "missing_shape", npy_raw("{'descr': '<f4', 'fortran_order': False, }"))
put("npy", "shape_list", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", b"\0" * 4))
put("npy", "shape_paren_int", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", b"\0" * 4))
put("npy", "negative_dim", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }"))
put("npy", "overflow_dims", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"))
# An empty array whose other dimensions overflow the strides.
put("npy", "zero_dim_huge_strides", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4), }"))
put("npy", "int_too_large", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"))
put("npy", "nested_deep", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 40 + ")" * 40 + "}"))
put("npy", "unterminated", npy_raw("{'descr': '<f4"))
put("npy", "escapes", npy_raw("{'des\\x63r': '<f4', \"fortran_order\": None, 'shape': (), }"))
put("npy", "u_and_b_strings", npy_raw("{u'descr': b'<f4', 'fortran_order': True, 'shape': (), }", b"\0" * 4))
put("npy", "v3_utf8_field", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'é': 1}", b"\0" * 4, major=3))
put("npy", "v3_bad_utf8", npy_raw(b"{'descr': '\xc3\x28', 'fortran_order': False, 'shape': (), }", b"\0" * 4, major=3))
put("npy", "v1_non_ascii", npy_raw(b"{'descr': '\xe9', 'fortran_order': False, 'shape': (), }", b"\0" * 4))
put("npy", "not_a_dict", npy_raw("(1, 2)"))
put("npy", "empty", b"")

# ---- captions
put("captions", "five", "A dog runs.\nA red ball.\nTwo cats sleep on a sofa.\nA man rides a bike.\nKids play.\n")
put("captions", "crlf", "A dog runs.\r\nA red ball.\r\n\r\n")
put("captions", "no_final_newline", "first line\nsecond line")
put("captions", "unicode", "café crème — naïve 日本語 🐶\nΑθήνα Москва\n")
put("captions", "only_cr", "\r")
put("captions", "blank_lines", "\n\n\n")
put("captions", "empty", b"")
put("captions", "bad_continuation", b"ok\nbad \xc3\x28 byte\n")
put("captions", "overlong", b"\xc0\xaf slash\n")
put("captions", "surrogate", b"\xed\xa0\x80\n")
put("captions", "above_max", b"\xf4\x90\x80\x80\n")
put("captions", "truncated_sequence", b"end \xe2\x82")
put("captions", "nul_bytes", b"a\0b\nc\n")


# ---- vocab
def vocab_json(words, idx=None, **override):
    d = {"idx2word": {str(i): w for i, w in enumerate(words)},
         "word2idx": {w: i for i, w in enumerate(words)},
         "idx": len(words) if idx is None else idx}
    d.update(override)
    return json.dumps(d)


SPECIAL = ["<pad>", "<start>", "<end>", "<unk>"]
WORDS = SPECIAL + ["a", "dog", "runs", ".", "red", "ball", "'s", "n't", "café"]
with open("/work/shared/data/vocab/f8k_precomp_vocab.json" if os.path.exists(
        "/work/shared/data/vocab/f8k_precomp_vocab.json") else os.devnull) as f:
    text = f.read()
if text:
    real = json.loads(text)
    words = [real["idx2word"][str(i)] for i in range(60)]
    put("vocab", "f8k_first60", vocab_json(words))
put("vocab", "small", vocab_json(WORDS))
put("vocab", "specials_only", vocab_json(SPECIAL))
put("vocab", "missing_unk", vocab_json(["<pad>", "<start>", "<end>", "x"]))
put("vocab", "special_wrong_id", vocab_json(["<start>", "<pad>", "<end>", "<unk>"]))
put("vocab", "idx_mismatch", vocab_json(WORDS, idx=len(WORDS) + 1))
put("vocab", "idx_small", vocab_json(SPECIAL[:3], idx=3))
put("vocab", "idx_string", vocab_json(WORDS, idx="13"))
put("vocab", "idx_huge", vocab_json(WORDS, idx=18446744073709551615))
put("vocab", "maps_disagree", vocab_json(WORDS, word2idx={**{w: i for i, w in enumerate(WORDS)}, "a": 5, "dog": 4}))
put("vocab", "id_not_int", vocab_json(WORDS, word2idx={**{w: i for i, w in enumerate(WORDS)}, "a": 4.0}))
put("vocab", "leading_zero_key", vocab_json(WORDS, idx2word={**{str(i): w for i, w in enumerate(WORDS)}, "04": "a"}))
put("vocab", "repeated_word", json.dumps({"idx2word": {"0": "<pad>", "1": "<start>", "2": "<end>", "3": "<unk>", "4": "a"},
                                          "word2idx": {"<pad>": 0, "<start>": 1, "<end>": 2, "<unk>": 3, "b": 4}, "idx": 5}))
put("vocab", "word_not_string", vocab_json(WORDS, idx2word={**{str(i): w for i, w in enumerate(WORDS)}, "4": 7}))
put("vocab", "missing_field", json.dumps({"idx2word": {}, "idx": 0}))
put("vocab", "array", "[1, 2, 3]")
put("vocab", "not_json", "{\"idx2word\": ")
put("vocab", "nested", "[" * 2000 + "]" * 2000)
put("vocab", "bad_utf8_word", b'{"idx2word": {"0": "\xff"}, "word2idx": {}, "idx": 1}')

# ---- safetensors
def st_bytes(tensors, metadata=None):
    path = "/tmp/_fuzz_seed.safetensors"
    st_write.write(path, tensors, metadata)
    with open(path, "rb") as f:
        data = f.read()
    os.remove(path)
    return data


def st_raw(header, data=b""):
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(h)) + h + data


put("safetensors", "all_dtypes", st_bytes({
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3), "f64": np.array([1.5, -2.0]),
    "i32": np.array([1, -2, 3], dtype=np.int32), "i64": np.array([[7]], dtype=np.int64),
    "b": np.array([True, False])}, {"format": "pt", "note": "é"}))
put("safetensors", "scalar_and_empty", st_bytes({"s": np.array(3.0, dtype=np.float32), "e": np.zeros((0, 5), np.float32)}))
put("safetensors", "empty_header", st_raw({}))
put("safetensors", "metadata_only", st_raw({"__metadata__": {"k": "v"}}))
put("safetensors", "metadata_not_string", st_raw({"__metadata__": {"k": 1}}))
put("safetensors", "short", b"\x08\0\0\0")
put("safetensors", "header_too_long", struct.pack("<Q", 1 << 40) + b"{}")
put("safetensors", "header_not_json", struct.pack("<Q", 4) + b"{\"a\"")
put("safetensors", "header_array", st_raw([1, 2]))
put("safetensors", "bad_dtype", st_raw({"t": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}}, b"\0\0"))
put("safetensors", "missing_offsets", st_raw({"t": {"dtype": "F32", "shape": [1]}}, b"\0" * 4))
put("safetensors", "offsets_outside", st_raw({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4))
put("safetensors", "offsets_reversed", st_raw({"t": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}}, b"\0" * 4))
put("safetensors", "offsets_negative", st_raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}, b"\0" * 4))
put("safetensors", "size_mismatch", st_raw({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 8))
put("safetensors", "overlap", st_raw({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12))
put("safetensors", "negative_dim", st_raw({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}))
put("safetensors", "float_dim", st_raw({"t": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]}}, b"\0" * 4))
put("safetensors", "empty_name", st_raw({"": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4))
# The element count wraps to 0 in 64 bits: 2^32 * 2^32 elements must be an error, not an empty tensor.
put("safetensors", "numel_wraps_to_zero", st_raw({"t": {"dtype": "F32", "shape": [4294967296, 4294967296],
                                                        "data_offsets": [0, 0]}}))

put("safetensors", "zero_dim_huge_strides", st_raw({"t": {"dtype": "I64", "shape": [0, 4611686018427387904, 4],
                                                          "data_offsets": [0, 0]}}))

# ---- model (a tiny full_IMRAM model made with PyTorch modules; the official parameter names)
def tiny_model(V=7, W=3, F=4, D=2):
    torch.manual_seed(0)
    t = {}
    fc = torch.nn.Linear(F, D)
    t["img_enc.fc_local.weight"], t["img_enc.fc_local.bias"] = fc.weight, fc.bias
    t["txt_enc.embed.weight"] = torch.nn.Embedding(V, W).weight
    for k, v in torch.nn.GRU(W, D, batch_first=True, bidirectional=True).state_dict().items():
        t["txt_enc.rnn." + k] = v
    for n in ["linear_t2i", "gate_t2i", "linear_i2t", "gate_i2t"]:
        lin = torch.nn.Linear(2 * D, D)
        t[n + ".weight"], t[n + ".bias"] = lin.weight, lin.bias
    return {k: v.detach().numpy().astype(np.float32) for k, v in t.items()}


META = {"model_mode": "full_IMRAM", "iteration_step": "2", "lambda_softmax": "9", "agg_func": "Mean",
        "lambda_lse": "6", "no_IMRAM_norm": "false", "vocab_size": "7", "word_dim": "3", "img_dim": "4",
        "embed_size": "2", "margin": "0.2", "format": "imram.cpp model v1"}
m = tiny_model()
put("model", "tiny_full_imram", st_bytes(m, META))
put("model", "tiny_scan_lse", st_bytes(m, {**META, "model_mode": "scan_i2t", "agg_func": "LogSumExp"}))
put("model", "no_metadata", st_bytes(m))
put("model", "module_prefix", st_bytes({"module." + k: v for k, v in m.items()}, META))
put("model", "f64_tensors", st_bytes({k: v.astype(np.float64) for k, v in m.items()}, META))
put("model", "int_tensor", st_bytes({**m, "img_enc.fc_local.bias": np.zeros(2, np.int32)}, META))
put("model", "missing_tensor", st_bytes({k: v for k, v in m.items() if k != "gate_i2t.bias"}, META))
put("model", "unexpected_tensor", st_bytes({**m, "extra": np.zeros(1, np.float32)}, META))
put("model", "wrong_shape", st_bytes({**m, "img_enc.fc_local.weight": np.zeros((2, 5), np.float32)}, META))
put("model", "embed_1d", st_bytes({**m, "txt_enc.embed.weight": np.zeros(7, np.float32)}, {}))
put("model", "bad_mode", st_bytes(m, {**META, "model_mode": "vsepp"}))
put("model", "bad_agg", st_bytes(m, {**META, "agg_func": "Max"}))
put("model", "bad_norm_flag", st_bytes(m, {**META, "no_IMRAM_norm": "yes"}))
put("model", "steps_zero", st_bytes(m, {**META, "iteration_step": "0"}))
put("model", "lambda_nan", st_bytes(m, {**META, "lambda_softmax": "nan"}))
put("model", "int_garbage", st_bytes(m, {**META, "word_dim": "3x"}))
# Dimensions far beyond what the tensors hold: an error naming the field, not an attempt to allocate.
put("model", "huge_embed_size", st_bytes(m, {**META, "embed_size": "4611686018427387904"}))
put("model", "int_out_of_range", st_bytes(m, {**META, "vocab_size": "99999999999999999999"}))

# ---- tokenizer: first byte picks the rule set (odd: NLTK 3.2 rules), the rest is the caption
cases = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "data_io", "tokenizer_cases.tsv")
n = 0
with open(cases, encoding="utf-8") as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        caption = line.rstrip("\n").split("\t")[0]
        put("tokenizer", "case%02d" % n, bytes([n % 2]) + caption.encode("utf-8"))
        n += 1
put("tokenizer", "sentences", b"\x00Dr. Smith went to Washington. He said \"hi!\" Then... left? Yes. e.g. this.")
put("tokenizer", "unicode_dashes", "\x01a \u2013 b \u2014 c \u00ab quoted \u00bb \u2019tis".encode("utf-8"))
put("tokenizer", "invalid_utf8", b"\x00a \xff dog")
put("tokenizer", "empty", b"\x01")
