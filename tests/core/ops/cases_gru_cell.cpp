// SPDX-License-Identifier: MIT
// Cases for the fused GRU cell, and its agreement with the same step composed of basic ops (the
// formulation nn/gru.cpp used before the fusion).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

// ---- gru_cell: gi, gh (B, 3H), h (B, H)
IMRAM_OP_CASE({"gru_cell", "ragged", {F({3, 15}, -2.0, 2.0), F({3, 15}, -2.0, 2.0), F({3, 5})}, [](const V& x) {
                   return V{gru_cell(x[0], x[1], x[2])};
               }});
// H = 37 is not a multiple of a warp, and B H spans more than one 256-thread block of the CUDA kernel.
IMRAM_OP_CASE({"gru_cell", "H not a multiple of 32", {F({9, 111}), F({9, 111}), F({9, 37})}, [](const V& x) {
                   return V{gru_cell(x[0], x[1], x[2])};
               }});
// Pre-activations up to 6 in magnitude: the gates sit near 0 or 1, where sigmoid and tanh flatten.
IMRAM_OP_CASE({"gru_cell", "large pre-activations", {F({2, 21}, -6.0, 6.0), F({2, 21}, -6.0, 6.0), F({2, 7}, -3.0, 3.0)},
               [](const V& x) { return V{gru_cell(x[0], x[1], x[2])}; }});
IMRAM_OP_CASE({"gru_cell", "one row, one unit", {F({1, 3}), F({1, 3}), F({1, 1})}, [](const V& x) {
                   return V{gru_cell(x[0], x[1], x[2])};
               }});

namespace {

Tensor composed_cell(const Tensor& gi, const Tensor& gh, const Tensor& h) {
    const std::int64_t H = h.size(1);
    const Tensor r = sigmoid(add(slice(gi, 1, 0, H), slice(gh, 1, 0, H)));
    const Tensor z = sigmoid(add(slice(gi, 1, H, 2 * H), slice(gh, 1, H, 2 * H)));
    const Tensor n = tanh(add(slice(gi, 1, 2 * H, 3 * H), mul(r, slice(gh, 1, 2 * H, 3 * H))));
    return add(n, mul(z, sub(h, n)));  // (1 - z) n + z h
}

}  // namespace

TEST_CASE("gru_cell: equals the composed step, saturated gates included, on every host backend",
          "[op][gru_cell]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        for (double scale : {1.0, 40.0}) {
            INFO("device " << dev << ", scale " << scale);
            const std::int64_t B = 5, H = 7;
            // Scale 40 drives every gate into saturation (sigmoid at 0 or 1, tanh at +-1).
            const Tensor gi0 = mul(randn({B, 3 * H}, 21, 0, DType::F64, dev), scale);
            const Tensor gh0 = mul(randn({B, 3 * H}, 22, 0, DType::F64, dev), scale);
            const Tensor h0 = randn({B, H}, 23, 0, DType::F64, dev);
            const V a{leaf(gi0), leaf(gh0), leaf(h0)}, b{leaf(gi0), leaf(gh0), leaf(h0)};
            const Tensor f = gru_cell(a[0], a[1], a[2]), c = composed_cell(b[0], b[1], b[2]);
            CHECK(diff(f, c).max_abs < 1e-14);
            const Tensor w = randn({B, H}, 24, 0, DType::F64, dev);
            sum(mul(f, w)).backward();
            sum(mul(c, w)).backward();
            for (int i = 0; i < 3; ++i) {
                INFO("input " << i << ": " << describe_diff(diff(a[i].grad(), b[i].grad()), a[i].grad(), b[i].grad()));
                CHECK(diff(a[i].grad(), b[i].grad()).max_abs < 1e-13);
                for (double g : a[i].grad().to_vector<double>()) CHECK(std::isfinite(g));
            }
        }
    }
}

TEST_CASE("gru_cell: known values at zero pre-activations", "[op][gru_cell]") {
    // gi = gh = 0: r = z = 1/2, n = 0, so h' = h / 2, and dh = z = 1/2 per unit of output gradient.
    const Tensor h = leaf(from_vector<double>({1.0, -2.0, 4.0, 0.5}, {2, 2}, Device::cpu()));
    const Tensor gi = leaf(zeros({2, 6}, DType::F64, Device::cpu()));
    const Tensor gh = leaf(zeros({2, 6}, DType::F64, Device::cpu()));
    const Tensor y = gru_cell(gi, gh, h);
    CHECK(y.to_vector<double>() == std::vector<double>{0.5, -1.0, 2.0, 0.25});
    sum(y).backward();
    CHECK(h.grad().to_vector<double>() == std::vector<double>{0.5, 0.5, 0.5, 0.5});
    // dz = h - n = h, times z (1 - z) = 1/4; dn = 1 - z = 1/2 at tanh' = 1; dr = dn gh_n = 0.
    const std::vector<double> want_gi{0.0, 0.0, 0.25, -0.5, 0.5, 0.5, 0.0, 0.0, 1.0, 0.125, 0.5, 0.5};
    CHECK(gi.grad().to_vector<double>() == want_gi);
    // dgh_n = dn r = 1/4.
    const std::vector<double> want_gh{0.0, 0.0, 0.25, -0.5, 0.25, 0.25, 0.0, 0.0, 1.0, 0.125, 0.25, 0.25};
    CHECK(gh.grad().to_vector<double>() == want_gh);
}

TEST_CASE("gru_cell: bad shapes and dtypes are reported", "[op][errors]") {
    using Catch::Contains;
    CHECK_THROWS_WITH(gru_cell(zeros({4, 9}), zeros({4, 9}), zeros({4, 3, 1})),
                      Contains("gru_cell") && Contains("(B, H > 0)"));
    CHECK_THROWS_WITH(gru_cell(zeros({4, 6}), zeros({4, 9}), zeros({4, 3})),
                      Contains("gru_cell") && Contains("gi") && Contains("[4, 9]") && Contains("[4, 6]"));
    CHECK_THROWS_WITH(gru_cell(zeros({4, 9}), zeros({3, 9}), zeros({4, 3})),
                      Contains("gh") && Contains("[4, 9]") && Contains("[3, 9]"));
    CHECK_THROWS_WITH(gru_cell(zeros({4, 9}, DType::F64), zeros({4, 9}), zeros({4, 3})), Contains("gru_cell"));
    CHECK_THROWS_WITH(gru_cell(zeros({4, 9}, DType::I64), zeros({4, 9}, DType::I64), zeros({4, 3}, DType::I64)),
                      Contains("gru_cell"));
}
