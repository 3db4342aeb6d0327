// SPDX-License-Identifier: MIT
// Basic layers. Shapes: B batch, L sequence length, I input features, H hidden, V vocabulary.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "nn/module.h"

namespace imram::nn {

/// y = x W^T + b. weight (out, in), bias (out). Default init as PyTorch's nn.Linear:
/// weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
class Linear : public Module {
public:
    /// PyTorchDefault: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)); XavierZeroBias: weight ~
    /// U(-r, r), r = sqrt(6 / (in + out)), bias = 0 (IMRAM's image encoder).
    enum class Init { PyTorchDefault, XavierZeroBias };
    Linear(std::int64_t in, std::int64_t out, bool bias, Philox& rng, DType dtype = DType::F32,
           Device dev = Device::cpu(), Init init = Init::PyTorchDefault);
    /// x (..., in) -> (..., out)
    Tensor forward(const Tensor& x) const;
    Tensor weight, bias;
};

/// Lookup table: weight (V, D), default init U(-0.1, 0.1) (the IMRAM text encoder's).
class Embedding : public Module {
public:
    Embedding(std::int64_t num, std::int64_t dim, Philox& rng, DType dtype = DType::F32, Device dev = Device::cpu());
    /// ids (...) integer -> (..., D)
    Tensor forward(const Tensor& ids) const;
    Tensor weight;
};

/// PyTorch's nn.LayerNorm over the last dim, elementwise affine: weight (D) = 1, bias (D) = 0 at init.
class LayerNorm : public Module {
public:
    LayerNorm(std::int64_t dim, double eps = 1e-5, DType dtype = DType::F32, Device dev = Device::cpu());
    /// x (..., D) -> (..., D)
    Tensor forward(const Tensor& x) const;
    Tensor weight, bias;
    double eps;
};

/// One-layer GRU with PyTorch's equations and gate order (r, z, n):
///   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h,  h_0 = 0.
/// Variable lengths: sequence b only sees its first lengths[b] steps in each direction (the reverse
/// direction starts at its last real token), and padded outputs are exactly 0. When bidirectional
/// the two directions' outputs are averaged (IMRAM's merge), not concatenated.
/// Parameters: weight_ih_l0 (3H, I), weight_hh_l0 (3H, H), bias_ih_l0 (3H), bias_hh_l0 (3H), and the
/// same with suffix _reverse; init U(-1/sqrt(H), 1/sqrt(H)) as PyTorch.
class GRU : public Module {
public:
    GRU(std::int64_t input, std::int64_t hidden, bool bidirectional, Philox& rng, DType dtype = DType::F32,
        Device dev = Device::cpu());
    /// x (B, L, I), lengths (B) with 1 <= lengths[b] <= L -> outputs (B, L, H).
    Tensor forward(const Tensor& x, const std::vector<std::int64_t>& lengths) const;
    /// Bidirectional only: the two directions' outputs concatenated, [forward ; backward] (B, L, 2H),
    /// as PyTorch's bidirectional GRU returns them (PCME's caption encoders).
    Tensor forward_concatenated(const Tensor& x, const std::vector<std::int64_t>& lengths) const;

    std::int64_t hidden_size() const { return hidden_; }
    struct Direction {
        Tensor w_ih, w_hh, b_ih, b_hh;
    };
    Direction fwd, bwd;

private:
    Tensor run_direction(const Direction& d, const Tensor& x, const std::vector<std::int64_t>& lengths) const;
    /// The backward direction's outputs in the forward order (B, L, H).
    Tensor run_backward(const Tensor& x, const std::vector<std::int64_t>& lengths) const;
    void check_input(const Tensor& x, const std::vector<std::int64_t>& lengths) const;
    std::int64_t input_, hidden_;
    bool bidirectional_;
};

}  // namespace imram::nn
