# SPDX-License-Identifier: MIT
"""Golden data for the nn layer and optimizer tests, computed with PyTorch (Debian's python3-torch).

    /usr/bin/python3 tools/make_nn_golden.py tests/fixtures

Writes tests/fixtures/gru_golden.safetensors, adam_golden.safetensors and layer_norm_golden.safetensors. The C++ tests read
them without Python. All values are float64 so the comparison measures the C++ code, not rounding.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402


def gru_golden(out_dir):
    torch.manual_seed(7)
    B, L, I, H = 3, 5, 4, 6
    lengths = [5, 2, 3]
    gru = torch.nn.GRU(I, H, num_layers=1, batch_first=True, bidirectional=True).double()
    x = torch.randn(B, L, I, dtype=torch.float64, requires_grad=True)
    w = torch.randn(B, L, H, dtype=torch.float64)
    # The text encoder's recipe: pack (sorted), run, unpack, average the two directions.
    order = sorted(range(B), key=lambda b: -lengths[b])
    packed = torch.nn.utils.rnn.pack_padded_sequence(x[order], [lengths[b] for b in order], batch_first=True)
    out, _ = gru(packed)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=L)
    unsort = [order.index(b) for b in range(B)]
    out = out[unsort]
    out = (out[:, :, :H] + out[:, :, H:]) / 2
    loss = (out * w).sum()
    loss.backward()
    t = {"x": x.detach().numpy(), "lengths": np.array(lengths, dtype=np.int64), "w": w.numpy(),
         "out": out.detach().numpy(), "grad.x": x.grad.numpy()}
    for name, p in gru.named_parameters():
        t["param." + name] = p.detach().numpy()
        t["grad." + name] = p.grad.numpy()
    st_write.write(os.path.join(out_dir, "gru_golden.safetensors"), t, {"torch": torch.__version__})


def adam_golden(out_dir):
    torch.manual_seed(11)
    p = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    init = p.detach().clone()
    opt = torch.optim.Adam([p], lr=0.01)
    grads = torch.randn(4, 5, 3, dtype=torch.float64)
    for s in range(4):
        opt.zero_grad()
        p.grad = grads[s].clone()
        opt.step()
    st_write.write(os.path.join(out_dir, "adam_golden.safetensors"),
                   {"init": init.numpy(), "grads": grads.numpy(), "final": p.detach().numpy()},
                   {"torch": torch.__version__, "lr": "0.01"})


def layer_norm_golden(out_dir):
    """nn.LayerNorm(D) with trained-looking affine parameters, rows with offsets and scales far apart."""
    torch.manual_seed(13)
    N, D = 6, 9
    ln = torch.nn.LayerNorm(D, eps=1e-5).double()
    with torch.no_grad():
        ln.weight.copy_(torch.randn(D, dtype=torch.float64))
        ln.bias.copy_(torch.randn(D, dtype=torch.float64))
    x = torch.randn(N, D, dtype=torch.float64) * torch.tensor([[0.01], [1], [30], [1], [1e-3], [5]], dtype=torch.float64)
    x = (x + torch.tensor([[0.0], [3], [-100], [0], [2], [0]], dtype=torch.float64)).requires_grad_()
    w = torch.randn(N, D, dtype=torch.float64)
    y = ln(x)
    (y * w).sum().backward()
    st_write.write(os.path.join(out_dir, "layer_norm_golden.safetensors"),
                   {"x": x.detach().numpy(), "w": w.numpy(), "y": y.detach().numpy(), "grad.x": x.grad.numpy(),
                    "param.weight": ln.weight.detach().numpy(), "param.bias": ln.bias.detach().numpy(),
                    "grad.weight": ln.weight.grad.numpy(), "grad.bias": ln.bias.grad.numpy()},
                   {"torch": torch.__version__, "eps": "1e-5"})


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    gru_golden(out_dir)
    adam_golden(out_dir)
    layer_norm_golden(out_dir)
    print("wrote", out_dir)
