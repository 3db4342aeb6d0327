#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the official CAMP checkpoint fixtures of tests/fixtures/pth/ (run with Debian's python3-torch):

    /usr/bin/python3 tools/make_camp_checkpoint.py tests/fixtures/pth

The layout is that of the official train.save_checkpoint (CAMP_SPEC.md section 6.1): a torch.save dict
{'epoch', 'model': [img_enc state, txt_enc state, criterion.sim state], 'best_rsum', 'opt', 'Eiters'},
each state dict taken through nn.DataParallel (so every key starts with 'module.'), float32 tensors,
and 'opt' an easydict.EasyDict of the config (nested blocks are EasyDicts too). easydict need not be
installed: a stand-in with the real class's behaviour (attributes and items kept in step) is
registered as the module 'easydict', so the pickle names the global 'easydict.EasyDict' as the
official files do.

The weights are those of tools/camp_reference.py (its model, its initialisation and perturbation,
seed 2027, the sizes of tests/fixtures/camp_golden.safetensors: N 4, R 5, img_dim 10, vocab 20,
word_dim 6, D 8), rounded to float32 as a checkpoint holds them.

* camp_official.pth.tar: the final gated model (measure gate_fusion_new), zip layout.
* camp_xattn_legacy.pth.tar: a stage-1 CrossAttentionNew checkpoint (the encoders and the 8
  projections only), legacy layout (_use_new_zipfile_serialization=False).
* camp_bad_two_items.pth.tar (legacy: the stage-1 file with 'model' = [img_enc, txt_enc] only) and
  camp_bad_missing_key.pth.tar (zip: the gated file without module.fc_out.3.bias in model[2]).
* camp_official_scores.safetensors: the test inputs of the reference (input.images, input.captions
  padded to 50, input.lengths; the images rounded to float32 values) and the score matrices S[image, caption] of both models computed by the
  reference in float64 from the float32 weights (camp.scores, camp_xattn.scores), plus the same in
  float32 as PyTorch computes them (camp.scores_f32, camp_xattn.scores_f32).
"""
import copy
import os
import sys
import types

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import camp_reference as ref  # noqa: E402  (sets float64 as the default dtype)
import st_write  # noqa: E402


def install_easydict():
    """A module 'easydict' with an EasyDict that behaves as easydict 1.x's: a dict whose items are also
    attributes, nested dicts (also inside lists) becoming EasyDicts."""
    mod = types.ModuleType("easydict")

    class EasyDict(dict):
        def __init__(self, d=None, **kwargs):
            super().__init__()
            d = dict(d or {}, **kwargs)
            for k, v in d.items():
                setattr(self, k, v)

        def __setattr__(self, name, value):
            if isinstance(value, (list, tuple)):
                value = [self.__class__(x) if isinstance(x, dict) else x for x in value]
            elif isinstance(value, dict) and not isinstance(value, self.__class__):
                value = self.__class__(value)
            super().__setattr__(name, value)
            super().__setitem__(name, value)

        __setitem__ = __setattr__

    EasyDict.__module__ = "easydict"
    EasyDict.__qualname__ = "EasyDict"
    mod.EasyDict = EasyDict
    sys.modules["easydict"] = mod
    return EasyDict


def options(EasyDict, measure, sizes):
    """The config's common block as the official train.py keeps it (values of config_fixatt / config_256),
    at the fixture's sizes."""
    V, W, F, D = sizes
    stage1 = measure == "cross_attention_new"
    return EasyDict({
        "data_name": "f30k_precomp", "data_path": "data", "vocab_path": "vocab/f30k_precomp_vocab.pkl",
        "measure": measure, "batch_size": 256 if stage1 else 128, "learning_rate": 0.002 if stage1 else 0.01,
        "lr_update": 50 if stage1 else 45, "num_epochs": 300, "val_epoc": 5, "grad_clip": 2.0,
        "max_violation": True, "margin": 0.2, "embed_size": D, "word_dim": W, "img_dim": F, "vocab_size": V,
        "bi_gru": True, "num_layers": 1, "no_imgnorm": True, "no_txtnorm": True, "self_attention": False,
        "word_embed": "embed/f30kword2vec300dim_3.npy" if stage1 else False, "embed_mask": False,
        "resume": "" if stage1 else "runs/f30k_cros_attn_256_new_withnorm/checkpoint_110.pth.tar",
        "optimizer": {"type": "adam" if stage1 else "sgd", "momentum": 0.9, "weight_decay": 0.0 if stage1 else 1e-4,
                      "nesterov": not stage1},
        "lr_scheduler": {"type": "step", "warmup_epochs": 0},
        "logger_name": "runs/camp", "workers": 10,
    })


class CrossAttentionNewSim(nn.Module):
    """The stage-1 scoring module's parameters: the 8 projections, nothing else."""

    def __init__(self, sim):
        super().__init__()
        for name in ref.PROJ:
            layer = nn.Linear(sim.img_query_fc.in_features, sim.img_query_fc.out_features, bias=False)
            layer.weight.data.copy_(getattr(sim, name).weight.data)
            setattr(self, name, layer)


def official_states(img_enc, txt_enc, sim):
    # The official code wraps every module in nn.DataParallel (a no-op wrapper without GPUs) and saves
    # its state_dict: the keys start with 'module.'.
    return [nn.DataParallel(m).state_dict() for m in (img_enc, txt_enc, sim)]


def main(out_dir):
    EasyDict = install_easydict()
    # The reference's parameters and test inputs, drawn in the same order as its main().
    torch.manual_seed(2027)
    N, R, F, V, W, D = 4, 5, 10, 20, 6, 8
    lengths = [7, 2, 5, 4]
    images, captions, mask = ref.make_inputs(N, R, F, V, lengths)
    base = ref.Model(V, W, F, D)
    ref.perturb(base, D, images, captions, lengths, mask)

    m32 = copy.deepcopy(base).float()  # as a checkpoint holds it
    m64 = copy.deepcopy(m32).double()  # the same float32 values, computed in float64
    sizes = (V, W, F, D)

    gated = {"epoch": 151, "model": official_states(m32.img_enc, m32.txt_enc, m32.sim), "best_rsum": 512.375,
             "opt": options(EasyDict, "gate_fusion_new", sizes), "Eiters": 34050}
    torch.save(gated, os.path.join(out_dir, "camp_official.pth.tar"))
    stage1 = {"epoch": 111, "model": official_states(m32.img_enc, m32.txt_enc, CrossAttentionNewSim(m32.sim)),
              "best_rsum": 480.5, "opt": options(EasyDict, "cross_attention_new", sizes), "Eiters": 12321}
    torch.save(stage1, os.path.join(out_dir, "camp_xattn_legacy.pth.tar"), _use_new_zipfile_serialization=False)

    images = images.float().double()  # float32 values, so that both precisions see the same inputs
    # Wrong layouts, for the errors: two state dicts (SCAN's layout), and the gated model without a key.
    torch.save(dict(stage1, model=stage1["model"][:2]), os.path.join(out_dir, "camp_bad_two_items.pth.tar"),
               _use_new_zipfile_serialization=False)
    states = official_states(m32.img_enc, m32.txt_enc, m32.sim)
    del states[2]["module.fc_out.3.bias"]
    torch.save(dict(gated, model=states), os.path.join(out_dir, "camp_bad_missing_key.pth.tar"))

    out = {"input.images": images, "input.captions": captions, "input.lengths": torch.tensor(lengths)}
    with torch.no_grad():
        for variant in ("camp", "camp_xattn"):
            img, cap = m64.encode(images, captions, lengths)
            out[variant + ".scores"] = m64.scores(img, cap, mask, variant)
            img32, cap32 = m32.encode(images.float(), captions, lengths)
            out[variant + ".scores_f32"] = m32.scores(img32, cap32, mask, variant)
            print(variant, out[variant + ".scores"])
    meta = {"N": N, "R": R, "img_dim": F, "vocab": V, "word_dim": W, "embed_size": D, "lengths": lengths,
            "torch": torch.__version__,
            "weights": "tools/camp_reference.py's initial parameters (seed 2027) rounded to float32",
            "scores": "S[image, caption]; <variant>.scores in float64 from the float32 weights, "
                      "<variant>.scores_f32 PyTorch's float32 forward"}
    path = os.path.join(out_dir, "camp_official_scores.safetensors")
    st_write.write(path, {k: v.numpy() for k, v in out.items()}, meta)
    print("wrote", out_dir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/pth")
