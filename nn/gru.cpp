// SPDX-License-Identifier: MIT
// GRU over padded batches from engine ops (so autograd and every backend come for free): the input
// projection X W_ih^T + b_ih for all steps in one GEMM, then the recurrence as the gru_sequence op (one
// (B, H) x (H, 3H) GEMM and the fused gru_cell gates per step; W_hh's gradient in one GEMM).
// The reverse direction is the forward recurrence run on each sequence reversed within its own length,
// then reversed back.
#include <cmath>

#include "core/ops.h"
#include "nn/init.h"
#include "nn/layers.h"

namespace imram::nn {
namespace {

Tensor make_param(Shape shape, double r, Philox& rng, DType dtype, Device dev) {
    Tensor t = empty(shape, dtype, Device::ref());
    uniform_(t, -r, r, rng);
    return t.to(dev);
}

/// idx[b, t] = lengths[b] - 1 - t for t < lengths[b], else t: reverses each sequence in place.
Tensor reverse_index(const std::vector<std::int64_t>& lengths, std::int64_t L, std::int64_t F) {
    const std::int64_t B = static_cast<std::int64_t>(lengths.size());
    std::vector<std::int64_t> idx(static_cast<std::size_t>(B * L * F));
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t t = 0; t < L; ++t)
            for (std::int64_t f = 0; f < F; ++f) idx[(b * L + t) * F + f] = t < lengths[b] ? lengths[b] - 1 - t : t;
    return from_vector(idx, {B, L, F}, Device::ref());
}

}  // namespace

GRU::GRU(std::int64_t input, std::int64_t hidden, bool bidirectional, Philox& rng, DType dtype, Device dev)
    : input_(input), hidden_(hidden), bidirectional_(bidirectional) {
    IMRAM_CHECK(input > 0 && hidden > 0, "GRU: sizes must be positive, got input ", input, " hidden ", hidden);
    const double r = 1.0 / std::sqrt(static_cast<double>(hidden));
    // PyTorch order: weight_ih, weight_hh, bias_ih, bias_hh, then the same for _reverse.
    for (int d = 0; d < (bidirectional ? 2 : 1); ++d) {
        Direction& dir = d == 0 ? fwd : bwd;
        const std::string sfx = d == 0 ? "_l0" : "_l0_reverse";
        dir.w_ih = make_param({3 * hidden, input}, r, rng, dtype, dev);
        dir.w_hh = make_param({3 * hidden, hidden}, r, rng, dtype, dev);
        dir.b_ih = make_param({3 * hidden}, r, rng, dtype, dev);
        dir.b_hh = make_param({3 * hidden}, r, rng, dtype, dev);
        register_parameter("weight_ih" + sfx, dir.w_ih);
        register_parameter("weight_hh" + sfx, dir.w_hh);
        register_parameter("bias_ih" + sfx, dir.b_ih);
        register_parameter("bias_hh" + sfx, dir.b_hh);
    }
}

Tensor GRU::run_direction(const Direction& d, const Tensor& x, const std::vector<std::int64_t>& lengths) const {
    return gru_sequence(linear(x, d.w_ih, d.b_ih), d.w_hh, d.b_hh, lengths);  // (B, L, H)
}

void GRU::check_input(const Tensor& x, const std::vector<std::int64_t>& lengths) const {
    IMRAM_CHECK(x.dim() == 3 && x.size(2) == input_, "GRU: expected x (B, L, ", input_, "), got ", x.describe());
    IMRAM_CHECK(static_cast<std::int64_t>(lengths.size()) == x.size(0), "GRU: ", lengths.size(),
                " lengths for a batch of ", x.size(0));
    for (std::size_t b = 0; b < lengths.size(); ++b)
        IMRAM_CHECK(lengths[b] >= 1 && lengths[b] <= x.size(1), "GRU: length ", lengths[b], " of sequence ", b,
                    " is outside [1, ", x.size(1), "]");
}

Tensor GRU::run_backward(const Tensor& x, const std::vector<std::int64_t>& lengths) const {
    const std::int64_t L = x.size(1);
    const Tensor rev_x = gather(x, 1, reverse_index(lengths, L, input_).to(x.device()));
    const Tensor rev_out = run_direction(bwd, rev_x, lengths);
    return gather(rev_out, 1, reverse_index(lengths, L, hidden_).to(x.device()));
}

Tensor GRU::forward(const Tensor& x, const std::vector<std::int64_t>& lengths) const {
    check_input(x, lengths);
    const Tensor out = run_direction(fwd, x, lengths);
    if (!bidirectional_) return out;
    return mul(add(out, run_backward(x, lengths)), 0.5);
}

Tensor GRU::forward_concatenated(const Tensor& x, const std::vector<std::int64_t>& lengths) const {
    IMRAM_CHECK(bidirectional_, "GRU: forward_concatenated needs a bidirectional GRU");
    check_input(x, lengths);
    return cat({run_direction(fwd, x, lengths), run_backward(x, lengths)}, 2);
}

}  // namespace imram::nn
