// SPDX-License-Identifier: MIT
// Cases for gru_sequence, and its agreement with the per-word composition it replaced in nn/gru.cpp
// (a linear and a gru_cell per word, rows past their length held by where).
#include <catch2/catch.hpp>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {

OpFn with_lengths(std::vector<std::int64_t> lengths) {
    return [lengths](const V& x) { return V{gru_sequence(x[0], x[1], x[2], lengths)}; };
}

/// The recurrence as nn/gru.cpp composed it before the op.
Tensor composed(const Tensor& gx, const Tensor& w_hh, const Tensor& b_hh, const std::vector<std::int64_t>& lengths) {
    const std::int64_t B = gx.size(0), L = gx.size(1), H = w_hh.size(1);
    Tensor h = zeros({B, H}, gx.dtype(), gx.device());
    const Tensor zero = scalar_like(gx, 0.0);
    std::vector<Tensor> outs;
    for (std::int64_t t = 0; t < L; ++t) {
        std::vector<std::uint8_t> act(static_cast<std::size_t>(B));
        for (std::int64_t b = 0; b < B; ++b) act[b] = t < lengths[b] ? 1 : 0;
        const Tensor active = from_vector(act, {B, 1}, Device::ref()).to(gx.device());
        const Tensor gi = reshape(slice(gx, 1, t, t + 1), {B, 3 * H});
        const Tensor h_new = gru_cell(gi, linear(h, w_hh, b_hh), h);
        outs.push_back(where(active, h_new, zero));
        h = where(active, h_new, h);
    }
    return stack(outs, 1);
}

}  // namespace

// ---- gru_sequence: gx (B, L, 3H), w_hh (3H, H), b_hh (3H); lengths fixed per case
IMRAM_OP_CASE({"gru_sequence", "ragged lengths", {F({3, 4, 15}), F({15, 5}), F({15})}, with_lengths({4, 2, 1})});
// H = 37: not a multiple of a warp; B H spans more than one CUDA block; one sequence of full length only.
IMRAM_OP_CASE({"gru_sequence", "H not a multiple of 32", {F({5, 6, 111}), F({111, 37}), F({111})},
               with_lengths({6, 3, 1, 5, 6})});
IMRAM_OP_CASE({"gru_sequence", "one word, one unit", {F({2, 1, 3}), F({3, 1}), F({3})}, with_lengths({1, 1})});
// Pre-activations up to 4 and a strong recurrent weight: saturated gates along the sequence.
IMRAM_OP_CASE({"gru_sequence", "saturated", {F({2, 5, 12}, -4.0, 4.0), F({12, 4}, -2.0, 2.0), F({12})},
               with_lengths({5, 3})});

TEST_CASE("gru_sequence: equals the per-word composition, values and gradients, on every host backend",
          "[op][gru_sequence]") {
    const std::vector<std::int64_t> lengths{5, 2, 7, 1};
    const std::int64_t B = 4, L = 7, H = 6;
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        INFO("device " << dev);
        const Tensor gx0 = randn({B, L, 3 * H}, 31, 0, DType::F64, dev);
        const Tensor w0 = mul(randn({3 * H, H}, 32, 0, DType::F64, dev), 0.5);
        const Tensor b0 = randn({3 * H}, 33, 0, DType::F64, dev);
        const V a{leaf(gx0), leaf(w0), leaf(b0)}, c{leaf(gx0), leaf(w0), leaf(b0)};
        const Tensor f = gru_sequence(a[0], a[1], a[2], lengths), g = composed(c[0], c[1], c[2], lengths);
        CHECK(diff(f, g).max_abs < 1e-14);
        // Padded outputs are exactly 0.
        const std::vector<double> fv = f.to(Device::cpu()).to_vector<double>();
        for (std::int64_t b = 0; b < B; ++b)
            for (std::int64_t t = lengths[b]; t < L; ++t)
                for (std::int64_t k = 0; k < H; ++k) CHECK(fv[(b * L + t) * H + k] == 0.0);
        const Tensor w = randn({B, L, H}, 34, 0, DType::F64, dev);
        sum(mul(f, w)).backward();
        sum(mul(g, w)).backward();
        for (int i = 0; i < 3; ++i) {
            INFO("input " << i << ": " << describe_diff(diff(a[i].grad(), c[i].grad()), a[i].grad(), c[i].grad()));
            CHECK(diff(a[i].grad(), c[i].grad()).max_abs < 1e-12);
        }
    }
}

TEST_CASE("gru_sequence: bad shapes and lengths are reported", "[op][errors]") {
    using Catch::Contains;
    const Tensor gx = zeros({2, 3, 12}), w = zeros({12, 4}), b = zeros({12});
    CHECK_THROWS_WITH(gru_sequence(gx, zeros({12, 5}), b, {3, 3}), Contains("gru_sequence") && Contains("(3H, H)"));
    CHECK_THROWS_WITH(gru_sequence(zeros({2, 3, 9}), w, b, {3, 3}),
                      Contains("gru_sequence") && Contains("gx") && Contains("(B, L, 12)"));
    CHECK_THROWS_WITH(gru_sequence(gx, w, zeros({4}), {3, 3}), Contains("b_hh") && Contains("[12]"));
    CHECK_THROWS_WITH(gru_sequence(gx, w, b, {3}), Contains("1 lengths for a batch of 2"));
    CHECK_THROWS_WITH(gru_sequence(gx, w, b, {3, 4}), Contains("length 4 of sequence 1") && Contains("[1, 3]"));
    CHECK_THROWS_WITH(gru_sequence(gx, w, b, {0, 3}), Contains("length 0 of sequence 0"));
    CHECK_THROWS_WITH(gru_sequence(gx, zeros({12, 4}, DType::F64), b, {3, 3}), Contains("gru_sequence"));
}
