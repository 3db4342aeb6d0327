#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the official PCME checkpoint fixtures of tests/fixtures/pth/ (run with Debian's python3-torch):

    /usr/bin/python3 tools/make_pcme_checkpoint.py tests/fixtures/pth

The layout is that of the official EngineBase.save_models (PCME_SPEC.md section 6.1): a torch.save dict
{'model': PCME state dict, 'criterion': {'shift', 'negative_scale'}, 'optimizer': AdamP state dict,
'lr_scheduler': CosineAnnealingLR state dict, 'config': the unmunchified config (nested dicts),
'word2idx': {word: id}, 'metadata': {...}}. The model's state dict holds the ResNet backbone under
img_enc.cnn.*; here a few small stand-in tensors of the backbone's key names (conv weights, BatchNorm
weights and running statistics, num_batches_tracked) take its place, since the engine skips them.

The weights are the initial parameters of tests/fixtures/pcme_golden.safetensors (tools/pcme_reference.py,
keys param.<name>: N 4, R 5, img_dim 10, vocab 20, word_dim 6, D 8, K 3).

* pcme_official.pth.tar: zip layout, model weights float16 as an apex-O2 run saves them (the backbone's
  BatchNorm tensors stay float32), criterion float32, no 'module.' prefix.
* pcme_module_legacy.pth.tar: legacy layout (_use_new_zipfile_serialization=False), float32 weights,
  every model key with 'module.' (a DataParallel-wrapped model).
* pcme_bare.pth.tar: a bare model state dict (no 'model' key), float32, no criterion: the official
  loader takes it non-strictly.
* pcme_bad_missing_key.pth.tar: pcme_official without txt_enc.uncertain_net.rnn.bias_hh_l0_reverse.
* pcme_bad_shape.pth.tar: pcme_official with img_enc.pie_net.fc.weight transposed.
* pcme_official_scores.safetensors: the match probabilities (images x captions) that the reference
  computes in float64 with the golden's fixed draws from the weights as stored: f16.match_prob (the
  float16 file) and f32.match_prob (the float32 files).

And, so that a converted checkpoint can be scored end to end through `imram eval`, the golden's inputs in
the precomp layout under tests/fixtures/pcme_precomp/ (data name pcme_ref_precomp, split test):
* pcme_ref_precomp/test_ims.npy: input.images as float32 (4 images x 5 regions x 10);
* pcme_ref_precomp/test_caps.txt: input.captions as words of word2idx, one line per image (the <start>
  and <end> ids are what the engine's tokeniser adds; the second caption is empty);
* means_match_prob.npy: the means-alone match probabilities (images x captions, float32) that the
  reference computes in float64 from the float32 weights and float32 images, each item's mean as its
  one sample: what `imram eval --deterministic_eval --save-sims` must give.
"""
import collections
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcme_reference as ref  # noqa: E402  (sets float64 as the default dtype)
import st_write  # noqa: E402

_NP = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        arr = np.frombuffer(data[8 + n + a:8 + n + b], dtype=_NP[h["dtype"]]).reshape(h["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def backbone():
    """Stand-ins for the ResNet keys under img_enc.cnn (their names as torchvision's, tiny shapes)."""
    g = torch.Generator().manual_seed(7)
    t = {"conv1.weight": torch.randn(2, 3, 3, 3, generator=g)}
    for bn in ("bn1", "layer1.0.bn1", "layer1.0.downsample.1"):
        t[bn + ".weight"] = torch.rand(2, generator=g) + 0.5
        t[bn + ".bias"] = torch.randn(2, generator=g) * 0.1
        t[bn + ".running_mean"] = torch.randn(2, generator=g) * 0.1
        t[bn + ".running_var"] = torch.rand(2, generator=g) + 0.5
        t[bn + ".num_batches_tracked"] = torch.tensor(4426 * 3, dtype=torch.int64)
    t["layer1.0.conv1.weight"] = torch.randn(2, 2, 1, 1, generator=g)
    t["layer1.0.downsample.0.weight"] = torch.randn(2, 2, 1, 1, generator=g)
    return {"img_enc.cnn." + k: v for k, v in t.items()}


def model_state(params, half, prefix=""):
    """The PCME state dict as saved: the backbone first (module order), then the head's parameters.
    apex O2 casts every floating tensor but BatchNorm's to float16."""
    sd = collections.OrderedDict()
    for k, v in backbone().items():
        is_bn = ".bn" in k or "downsample.1" in k
        if v.is_floating_point():
            v = v.half() if half and not is_bn else v.float()
        sd[prefix + k] = v
    for k, v in params.items():
        if not k.startswith("criterion."):
            sd[prefix + k] = v.half() if half else v.float()
    return sd


def config(vocab, word_dim, embed_dim, k, beta):
    """The official COCO config's blocks (config/coco/pcme_coco.yaml) at the fixture's sizes, as
    munch.unmunchify leaves it: plain nested dicts."""
    return {
        "dataloader": {"batch_size": 128, "eval_batch_size": 8, "workers": 6, "random_erasing_prob": 0.2,
                       "caption_drop_prob": 0.1},
        "model": {"name": "pcme", "embed_dim": embed_dim, "cnn_type": "resnet152", "wemb_type": "glove",
                  "word_dim": word_dim, "cache_dir": "/home/.cache/torch/", "use_attention": True, "use_fc": True,
                  "no_imgnorm": False, "no_txtnorm": False, "img_finetune": True, "txt_finetune": True,
                  "eval_method": "matmul", "n_samples_inference": k, "img_probemb": True, "txt_probemb": True},
        "criterion": {"name": "pcme", "init_negative_scale": 15, "init_shift": 15, "num_samples": 7,
                      "vib_beta": beta, "uniform_lambda": 0},
        "optimizer": {"name": "adamp", "learning_rate": 2e-5, "weight_decay": 0.0},
        "lr_scheduler": {"name": "cosine_annealing_lr", "T_max": 30},
        "train": {"epochs": 30, "finetune_lr_decay": 0.1, "grad_clip": 2, "val_epochs": 10, "pretrain_epochs": 30,
                  "use_fp16": True, "output_file": "model.log"},
        "vocab_size": vocab,
    }


def word2idx(vocab):
    words = ["<pad>", "<start>", "<end>", "<unk>", "a", "man", "dog", "on", "the", "with", "of", "in", "two",
             "woman", "table", "sitting", "riding", "red", "street", "bus"]
    assert len(words) == vocab
    return {w: i for i, w in enumerate(words)}


def optimizer(n_params, sd_values):
    """An AdamP state dict after a few steps: per-parameter moments, one param group."""
    state = {i: {"step": 3, "exp_avg": torch.zeros_like(v.float()), "exp_avg_sq": torch.zeros_like(v.float())}
             for i, v in enumerate(sd_values)}
    group = {"lr": 2e-5, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "delta": 0.1, "wd_ratio": 0.1,
             "nesterov": False, "params": list(range(n_params))}
    return {"state": state, "param_groups": [group]}


def lr_scheduler():
    return {"T_max": 30, "eta_min": 0, "base_lrs": [2e-5], "last_epoch": 3, "_step_count": 4, "verbose": False,
            "_get_lr_called_within_step": False, "_last_lr": [1.9729086208503174e-05]}


def match_prob(params, golden):
    """The reference's match probabilities with the golden's draws, from the given weights."""
    model = ref.PCME()
    model.load_state_dict({k: v.double() for k, v in params.items()})
    with torch.no_grad():
        out = ref.forward(model, golden["input.images"], golden["input.captions"], golden["input.lengths"],
                          golden["input.eps_img"], golden["input.eps_txt"])
        a, b = model.criterion.negative_scale, model.criterion.shift
        return torch.sigmoid(2 * (-a * ref.pair_distances(out["zi"], out["zt"]) + b)).mean((2, 3))


def means_match_prob(params, images, captions, lengths):
    """The reference's match probabilities with every item's mean as its one sample (the official
    mu-only variant, n_samples_inference 0 here)."""
    model = ref.PCME()
    model.load_state_dict({k: v.double() for k, v in params.items()})
    n, d = images.shape[0], params["img_enc.fc.weight"].shape[0]
    zeros = torch.zeros(n, 1, d)
    with torch.no_grad():
        out = ref.forward(model, images, captions, lengths, zeros, torch.zeros(captions.shape[0], 1, d))
        a, b = model.criterion.negative_scale, model.criterion.shift
        return torch.sigmoid(2 * (-a * ref.pair_distances(out["zi"], out["zt"]) + b)).mean((2, 3))


def write_precomp(out_dir, params, golden, vocab):
    """The golden's inputs as a precomp split plus the scores `imram eval --deterministic_eval` must give."""
    split = os.path.join(out_dir, "pcme_ref_precomp")
    os.makedirs(split, exist_ok=True)
    images = golden["input.images"].float()
    np.save(os.path.join(split, "test_ims.npy"), images.numpy())
    words = {i: w for w, i in vocab.items()}
    lines = []
    for ids, n in zip(golden["input.captions"].tolist(), golden["input.lengths"].tolist()):
        assert ids[0] == vocab["<start>"] and ids[n - 1] == vocab["<end>"]
        lines.append(" ".join(words[i] for i in ids[1:n - 1]))
    with open(os.path.join(split, "test_caps.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    f32 = {k: v.float().double() for k, v in params.items()}
    probs = means_match_prob(f32, images.double(), golden["input.captions"], golden["input.lengths"])
    print("means match_prob", probs)
    np.save(os.path.join(out_dir, "means_match_prob.npy"), probs.numpy().astype(np.float32))


def main(out_dir):
    golden = read_safetensors(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                                           "pcme_golden.safetensors"))
    params = {k[len("param."):]: v for k, v in golden.items() if k.startswith("param.")}
    V, W = params["txt_enc.embed.weight"].shape
    D = params["img_enc.fc.weight"].shape[0]
    K = int(golden["config.K"].reshape(-1)[0])
    beta = float(golden["config.beta"].reshape(-1)[0])
    criterion = collections.OrderedDict([("shift", params["criterion.shift"].float()),
                                         ("negative_scale", params["criterion.negative_scale"].float())])

    def checkpoint(half, prefix=""):
        sd = model_state(params, half, prefix)
        trainable = [v for k, v in sd.items() if v.is_floating_point() and "running_" not in k]
        return {"model": sd, "criterion": collections.OrderedDict(criterion),
                "optimizer": optimizer(len(trainable) + 2, trainable + list(criterion.values())),
                "lr_scheduler": lr_scheduler(), "config": config(V, W, D, K, beta), "word2idx": word2idx(V),
                "metadata": {"epoch": 3, "lr": 1.9729086208503174e-05, "val_rsum": 431.25, "code": "stand-in"}}

    official = checkpoint(half=True)
    torch.save(official, os.path.join(out_dir, "pcme_official.pth.tar"))
    torch.save(checkpoint(half=False, prefix="module."), os.path.join(out_dir, "pcme_module_legacy.pth.tar"),
               _use_new_zipfile_serialization=False)
    torch.save(model_state(params, half=False), os.path.join(out_dir, "pcme_bare.pth.tar"))

    missing = dict(official, model=collections.OrderedDict(official["model"]))
    del missing["model"]["txt_enc.uncertain_net.rnn.bias_hh_l0_reverse"]
    torch.save(missing, os.path.join(out_dir, "pcme_bad_missing_key.pth.tar"))
    shape = dict(official, model=collections.OrderedDict(official["model"]))
    shape["model"]["img_enc.pie_net.fc.weight"] = shape["model"]["img_enc.pie_net.fc.weight"].t().contiguous()
    torch.save(shape, os.path.join(out_dir, "pcme_bad_shape.pth.tar"))

    f16 = {k: v.half().double() for k, v in params.items() if not k.startswith("criterion.")}
    f16.update({"criterion." + k: v.double() for k, v in criterion.items()})
    f32 = {k: v.float().double() for k, v in params.items()}
    scores = {"f16.match_prob": match_prob(f16, golden), "f32.match_prob": match_prob(f32, golden)}
    for k, v in scores.items():
        print(k, v)
    meta = {"golden": "tests/fixtures/pcme_golden.safetensors (its input.* and param.*)", "torch": torch.__version__,
            "scores": "match_prob[image, caption] in float64 from the weights as the checkpoints store them"}
    st_write.write(os.path.join(out_dir, "pcme_official_scores.safetensors"),
                   {k: v.numpy() for k, v in scores.items()}, meta)
    print("wrote", out_dir)
    precomp = os.path.join(out_dir, "..", "pcme_precomp")
    write_precomp(precomp, params, golden, word2idx(V))
    print("wrote", precomp)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/pth")
