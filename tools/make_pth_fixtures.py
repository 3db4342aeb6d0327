#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the .pth.tar fixtures of tests/fixtures/pth/ (run with Debian's python3-torch):

    /usr/bin/python3 tools/make_pth_fixtures.py tests/fixtures/pth

* imram_{zip,legacy}.pth.tar: an IMRAM checkpoint as train_gpus.py saves it ({'epoch', 'model':
  DataParallel state dict with 'module.' keys, 'best_rsum': numpy.float64, 'opt': Namespace}), at
  reduced sizes, in the zip format and the legacy format. The GRU weights are views into one flat
  storage (as cuDNN leaves them) and fc_local.weight is a transposed view, so storage offsets and
  strides are exercised.
* scan_{zip,legacy}.pth.tar: a SCAN checkpoint as its train.py saves it ({'model': [img_enc state,
  txt_enc state], 'opt', 'epoch', 'best_rsum', 'Eiters'}); its image layer is named 'fc'.
* {imram,scan}_oracle.safetensors: what the converter must produce, written here with struct + json
  (independently of the C++ code): the tensors under their converted names, bit for bit as PyTorch
  held them, and in the metadata the options (options_json), the other checkpoint fields
  (info_json), the checkpoint's own key order (raw_names_json) and the expected model config
  (config_json).
* Crafted bad inputs, made with Python's pickle and zipfile in the layouts torch writes:
  evil_system_zip.pth.tar (a pickle calling posix.system), evil_eval_legacy.pth.tar (builtins.eval,
  spelled __builtin__.eval by protocol 2),
  short_storage_{zip,legacy}.pth.tar (a tensor reaching past the end of its storage).
"""
import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy
import torch
import torch.nn as nn

VOCAB, WORD, EMBED, IMG = 12, 8, 16, 24
PWNED = "/tmp/imram_pth_pwned"  # the crafted pickles would create this file if anything ran them


class ImageEncoder(nn.Module):
    def __init__(self, fc_name):
        super().__init__()
        setattr(self, fc_name, nn.Linear(IMG, EMBED))


class TextEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WORD)
        self.rnn = nn.GRU(WORD, EMBED, 1, batch_first=True, bidirectional=True)


class Imram(nn.Module):
    def __init__(self):
        super().__init__()
        self.img_enc = ImageEncoder("fc_local")
        self.txt_enc = TextEncoder()
        self.linear_t2i = nn.Linear(2 * EMBED, EMBED)
        self.gate_t2i = nn.Linear(2 * EMBED, EMBED)
        self.linear_i2t = nn.Linear(2 * EMBED, EMBED)
        self.gate_i2t = nn.Linear(2 * EMBED, EMBED)


def flatten_gru(rnn):
    """Makes the GRU's parameters views into one storage, as cuDNN's flat weights are."""
    params = list(rnn.parameters())
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    off = 0
    for p in params:
        n = p.numel()
        p.data = flat[off:off + n].view(p.shape)
        off += n


def transposed(p):
    """The same values held as the transpose of a contiguous (cols, rows) tensor."""
    p.data = p.detach().t().contiguous().t()
    assert not p.is_contiguous()


def special_values(w):
    with torch.no_grad():
        w[0, 0] = -0.0
        w[0, 1] = 1e-40  # subnormal in float32
        w[0, 2] = 3.0e38


def imram_checkpoint():
    torch.manual_seed(7)
    m = Imram()
    flatten_gru(m.txt_enc.rnn)
    transposed(m.img_enc.fc_local.weight)
    special_values(m.txt_enc.embed.weight)
    # train_gpus.py saves the DataParallel wrapper's state dict, hence the 'module.' prefix.
    state = nn.DataParallel(m).state_dict()
    opt = argparse.Namespace(
        data_path="./data/", data_name="f30k_precomp", vocab_path="./vocab/", margin=0.2, num_epochs=30,
        batch_size=128, word_dim=WORD, embed_size=EMBED, grad_clip=2.0, num_layers=1, learning_rate=0.0002,
        lr_update=15, workers=10, log_step=10, val_step=5000, logger_name="./runs/f30k/log",
        model_name="./runs/f30k/checkpoint", resume="", max_violation=True, img_dim=IMG, no_imgnorm=False,
        no_txtnorm=False, raw_feature_norm="clipped_l2norm", agg_func="LogSumExp", cross_attn="t2i",
        precomp_enc_type="basic", bi_gru=True, lambda_lse=6.0, lambda_softmax=11.0, pos_emb=False, gpuid="1,2",
        model_mode="full_IMRAM", iteration_step=2, no_IMRAM_norm=True, vocab_size=VOCAB)
    ckpt = {"epoch": 13, "model": state, "best_rsum": numpy.float64(412.75), "opt": opt}
    names = {k: k[len("module."):] for k in state}
    config = {"model_mode": "full_IMRAM", "iteration_step": 2, "lambda_softmax": 11.0, "agg_func": "LogSumExp",
              "lambda_lse": 6.0, "no_IMRAM_norm": True, "vocab_size": VOCAB, "word_dim": WORD, "img_dim": IMG,
              "embed_size": EMBED, "margin": 0.2}
    info = {"epoch": 13, "best_rsum": 412.75}
    return ckpt, state, names, config, info


def scan_checkpoint():
    torch.manual_seed(11)
    img_enc, txt_enc = ImageEncoder("fc"), TextEncoder()
    special_values(txt_enc.embed.weight)
    # SCAN.state_dict() is a list: [img_enc.state_dict(), txt_enc.state_dict()].
    model = [img_enc.state_dict(), txt_enc.state_dict()]
    opt = argparse.Namespace(
        data_path="./data/", data_name="coco_precomp", vocab_path="./vocab/", margin=0.2, num_epochs=20,
        batch_size=128, word_dim=WORD, embed_size=EMBED, grad_clip=2.0, num_layers=1, learning_rate=0.0005,
        lr_update=10, workers=10, log_step=10, val_step=500, logger_name="runs/coco_scan/log",
        model_name="runs/coco_scan/checkpoint", resume="", max_violation=True, img_dim=IMG, no_imgnorm=False,
        no_txtnorm=False, raw_feature_norm="clipped_l2norm", agg_func="LogSumExp", cross_attn="i2t",
        precomp_enc_type="basic", bi_gru=True, lambda_lse=20.0, lambda_softmax=4.0, vocab_size=VOCAB)
    ckpt = {"epoch": 17, "model": model, "best_rsum": 401.5, "opt": opt, "Eiters": 75000}
    state = collections.OrderedDict()
    names = {}
    for prefix, sd in (("img_enc.", model[0]), ("txt_enc.", model[1])):
        for k, v in sd.items():
            state[prefix + k] = v
            names[prefix + k] = prefix + ("fc_local" + k[2:] if k.startswith("fc.") else k)
    config = {"model_mode": "scan_i2t", "iteration_step": 1, "lambda_softmax": 4.0, "agg_func": "LogSumExp",
              "lambda_lse": 20.0, "no_IMRAM_norm": False, "vocab_size": VOCAB, "word_dim": WORD, "img_dim": IMG,
              "embed_size": EMBED, "margin": 0.2}
    info = {"epoch": 17, "best_rsum": 401.5, "Eiters": 75000}
    return ckpt, state, names, config, info


def write_oracle(path, state, names, opt, config, info):
    """A plain safetensors file: tensors contiguous little-endian, in checkpoint order."""
    header, blobs, off = {}, [], 0
    for raw, t in state.items():
        t = t.detach().contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[names[raw]] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    header["__metadata__"] = {
        "options_json": json.dumps(vars(opt), sort_keys=True),
        "info_json": json.dumps(info, sort_keys=True),
        "raw_names_json": json.dumps(list(state.keys())),
        "config_json": json.dumps(config, sort_keys=True),
    }
    h = json.dumps(header).encode()
    h += b" " * (-(8 + len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---- crafted files in torch's layouts -------------------------------------------------------------

class FakeStorage:
    def __init__(self, key, numel, dtype_name="FloatStorage", location="cpu"):
        self.key, self.numel, self.dtype_name, self.location = key, numel, dtype_name, location


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Call:
    """Pickles as a call of an arbitrary global: what a malicious checkpoint would contain."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class TorchLikePickler(pickle.Pickler):
    def __init__(self, f, legacy):
        super().__init__(f, protocol=2)
        self.legacy = legacy

    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            pid = ("storage", getattr(torch, obj.dtype_name), obj.key, obj.location, obj.numel)
            return pid + (None,) if self.legacy else pid
        return None


def dumps(obj, legacy):
    buf = io.BytesIO()
    TorchLikePickler(buf, legacy).dump(obj)
    return buf.getvalue()


def write_legacy(path, obj, storages, magic=0x1950A86A20F9469CFC6C):
    """torch's legacy layout: magic, protocol, sys_info, the object, the storage keys, then per storage
    an int64 element count and the raw bytes."""
    out = pickle.dumps(magic, protocol=2) + pickle.dumps(1001, protocol=2)
    out += pickle.dumps({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    out += dumps(obj, legacy=True)
    out += pickle.dumps([k for k, _, _ in storages], protocol=2)
    for _, count, data in storages:
        out += struct.pack("<q", count) + data
    with open(path, "wb") as f:
        f.write(out)


def write_zip(path, obj, storages):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", dumps(obj, legacy=False))
        for key, _, data in storages:
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", "3\n")


def crafted(out):
    floats = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)
    # A 4x4 view of a 4-element storage.
    short = {"model": collections.OrderedDict(w=FakeTensor(FakeStorage("0", 4), 0, (4, 4), (4, 1)))}
    write_legacy(os.path.join(out, "short_storage_legacy.pth.tar"), short, [("0", 4, floats)])
    # The zip entry holds 4 floats though the pickle announces 16.
    short_zip = {"model": collections.OrderedDict(w=FakeTensor(FakeStorage("0", 16), 0, (4, 4), (4, 1)))}
    write_zip(os.path.join(out, "short_storage_zip.pth.tar"), short_zip, [("0", 16, floats)])
    evil = {"model": collections.OrderedDict(), "opt": Call(os.system, "touch " + PWNED)}
    write_zip(os.path.join(out, "evil_system_zip.pth.tar"), evil, [])
    evil = {"model": collections.OrderedDict(), "opt": Call(eval, "open('" + PWNED + "', 'w')")}
    write_legacy(os.path.join(out, "evil_eval_legacy.pth.tar"), evil, [])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/pth"
    os.makedirs(out, exist_ok=True)
    for name, make in (("imram", imram_checkpoint), ("scan", scan_checkpoint)):
        ckpt, state, names, config, info = make()
        torch.save(ckpt, os.path.join(out, name + "_zip.pth.tar"))
        torch.save(ckpt, os.path.join(out, name + "_legacy.pth.tar"), _use_new_zipfile_serialization=False)
        write_oracle(os.path.join(out, name + "_oracle.safetensors"), state, names, ckpt["opt"], config, info)
        # What torch itself reads back must be what the oracle holds.
        for fmt in ("zip", "legacy"):
            back = torch.load(os.path.join(out, name + "_" + fmt + ".pth.tar"))
            sd = back["model"] if name == "imram" else {**{"img_enc." + k: v for k, v in back["model"][0].items()},
                                                        **{"txt_enc." + k: v for k, v in back["model"][1].items()}}
            assert list(sd.keys()) == list(state.keys())
            for k, v in state.items():
                assert torch.equal(sd[k], v) and sd[k].stride() == v.stride()
    crafted(out)
    for f in sorted(os.listdir(out)):
        print(f"{f}: {os.path.getsize(os.path.join(out, f))} bytes")


if __name__ == "__main__":
    main()
