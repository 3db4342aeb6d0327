// SPDX-License-Identifier: MIT
// Cases for CAMP's fused gate, fusion and residual (camp_gated_fusion), and its agreement with the same
// maths composed of basic ops (the formulation models/camp used before the fusion).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {

/// `t` (N, D) with row r multiplied by keep[r]: a differentiable way to put zero rows in a case's inputs.
Tensor keep_rows(const Tensor& t, const std::vector<double>& keep) {
    const Tensor k = from_vector(keep, {static_cast<std::int64_t>(keep.size()), 1}, t.device()).to(t.dtype());
    return mul(t, k);
}

}  // namespace

// ---- camp_gated_fusion: x, f, y (..., D). y of both signs, so relu's mask cuts some entries of every row.
IMRAM_OP_CASE({"camp_gated_fusion", "3-D", {F({2, 3, 6}), F({2, 3, 6}), F({2, 3, 6}, -2.0, 2.0)}, [](const V& x) {
                   return V{camp_gated_fusion(x[0], x[1], x[2])};
               }});
IMRAM_OP_CASE({"camp_gated_fusion", "2-D", {F({5, 4}), F({5, 4}), F({5, 4})}, [](const V& x) {
                   return V{camp_gated_fusion(x[0], x[1], x[2])};
               }});
IMRAM_OP_CASE({"camp_gated_fusion", "one row", {F({9}), F({9}), F({9}, -3.0, 3.0)}, [](const V& x) {
                   return V{camp_gated_fusion(x[0], x[1], x[2])};
               }});
// |<x, f>| up to ~100: most gates saturate (g (1 - g) tiny or 0 in f32), a few stay in the slope.
IMRAM_OP_CASE({"camp_gated_fusion",
               "large <x, f>",
               {F({6, 6}, -4.0, 4.0), F({6, 6}, -4.0, 4.0), F({6, 6})},
               [](const V& x) { return V{camp_gated_fusion(x[0], x[1], x[2])}; }});
// Row 1 all zero (x = f = y = 0: g = 1/2, h = 0, no mask); row 3 has y = 0 (g y = 0 exactly: masked).
IMRAM_OP_CASE({"camp_gated_fusion", "zero rows", {F({4, 5}), F({4, 5}), F({4, 5})}, [](const V& x) {
                   return V{camp_gated_fusion(keep_rows(x[0], {1, 0, 1, 1}), keep_rows(x[1], {1, 0, 1, 1}),
                                              keep_rows(x[2], {1, 0, 1, 0}))};
               }});
// Rows longer than a CUDA block (128 threads): several columns per thread. A small f keeps <x, f> ~ 1.
IMRAM_OP_CASE({"camp_gated_fusion", "long rows", {F({3, 300}), F({3, 300}, -0.1, 0.1), F({3, 300})}, [](const V& x) {
                   return V{camp_gated_fusion(x[0], x[1], x[2])};
               }});

namespace {

/// What models/camp/model.cpp computed before the fusion: g = sigmoid(<x, f>), h = relu(y g) + x.
Tensor composed_fusion(const Tensor& x, const Tensor& f, const Tensor& y) {
    const Tensor g = sigmoid(sum(mul(x, f), {x.dim() - 1}, true));
    return add(relu(mul(y, g)), x);
}

}  // namespace

TEST_CASE("camp_gated_fusion: equals the composed chain, zero rows, masked entries and saturated gates",
          "[op][camp_gated_fusion]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        INFO("device " << dev);
        const std::int64_t N = 6, D = 7;
        std::vector<double> xv = randn({N, D}, 21, 0, DType::F64).to_vector<double>();
        std::vector<double> fv = randn({N, D}, 22, 0, DType::F64).to_vector<double>();
        std::vector<double> yv = randn({N, D}, 23, 0, DType::F64).to_vector<double>();
        auto at = [D](std::int64_t r, std::int64_t i) { return static_cast<std::size_t>(r * D + i); };
        for (std::int64_t i = 0; i < D; ++i) {
            xv[at(1, i)] = fv[at(1, i)] = yv[at(1, i)] = 0;  // row 1: all zero
            yv[at(2, i)] = 0;                                // row 2: g y = 0 exactly, relu's gradient is 0 there
            fv[at(3, i)] = 100 * xv[at(3, i)];               // row 3: <x, f> ~ 700, g = 1 exactly
            fv[at(4, i)] = -1e4 * xv[at(4, i)];              // row 4: <x, f> ~ -7e4, g = 0 exactly
        }
        const Tensor x0 = from_vector(xv, {2, 3, D}, dev), f0 = from_vector(fv, {2, 3, D}, dev),
                     y0 = from_vector(yv, {2, 3, D}, dev);
        const V a{leaf(x0), leaf(f0), leaf(y0)}, b{leaf(x0), leaf(f0), leaf(y0)};
        const Tensor h = camp_gated_fusion(a[0], a[1], a[2]), c = composed_fusion(b[0], b[1], b[2]);
        REQUIRE(h.shape() == x0.shape());
        CHECK(diff(h, c).max_abs < 1e-14);
        const std::vector<double> hv = h.to_vector<double>();
        for (std::int64_t i = 0; i < D; ++i) {
            CHECK(hv[at(1, i)] == 0.0);
            CHECK(hv[at(2, i)] == xv[at(2, i)]);
            CHECK(hv[at(3, i)] == std::max(yv[at(3, i)], 0.0) + xv[at(3, i)]);
            CHECK(hv[at(4, i)] == xv[at(4, i)]);
        }
        const Tensor w = randn({2, 3, D}, 24, 0, DType::F64, dev);
        sum(mul(h, w)).backward();
        sum(mul(c, w)).backward();
        for (int i = 0; i < 3; ++i) {
            INFO("input " << i << ": " << describe_diff(diff(a[i].grad(), b[i].grad()), a[i].grad(), b[i].grad()));
            CHECK(diff(a[i].grad(), b[i].grad()).rel() < 1e-13);
            for (double g : a[i].grad().to_vector<double>()) CHECK(std::isfinite(g));
        }
        // The mask: no gradient to y where g y <= 0 (y < 0 with g > 0, y = 0, or g = 0), and dh g elsewhere.
        const std::vector<double> dy = a[2].grad().to_vector<double>(), wv = w.to_vector<double>();
        int masked = 0;
        for (std::int64_t r = 0; r < N; ++r)
            for (std::int64_t i = 0; i < D; ++i) {
                if (r == 4 || yv[at(r, i)] <= 0) {
                    CHECK(dy[at(r, i)] == 0.0);
                    ++masked;
                } else if (r == 3) {
                    CHECK(dy[at(r, i)] == wv[at(r, i)]);
                }
            }
        CHECK(masked > 2 * D);
        // Saturated and zero rows: the gate passes no gradient to f; dx is the residual's dh alone.
        const std::vector<double> dfv = a[1].grad().to_vector<double>(), dxv = a[0].grad().to_vector<double>();
        for (std::int64_t r : {3, 4})
            for (std::int64_t i = 0; i < D; ++i) {
                CHECK(dfv[at(r, i)] == 0.0);
                CHECK(dxv[at(r, i)] == wv[at(r, i)]);
            }
    }
}

TEST_CASE("camp_gated_fusion: f32 on cpu stays within the composed f32 error of the f64 result",
          "[op][camp_gated_fusion]") {
    const Tensor x = randn({64, 36, 128}, 31, 0, DType::F64, Device::cpu());
    const Tensor f = l2norm(randn({64, 36, 128}, 32, 0, DType::F64, Device::cpu()));
    const Tensor y = randn({64, 36, 128}, 33, 0, DType::F64, Device::cpu());
    const Tensor want = composed_fusion(x, f, y);
    auto f32 = [](const Tensor& t) { return t.to(DType::F32); };
    const double fused_err = diff(camp_gated_fusion(f32(x), f32(f), f32(y)), want).rel();
    const double composed_err = diff(composed_fusion(f32(x), f32(f), f32(y)), want).rel();
    INFO("fused " << fused_err << ", composed " << composed_err);
    CHECK(fused_err <= std::max(2 * composed_err, 1e-6));
}

TEST_CASE("camp_gated_fusion: bad shapes and dtypes are reported", "[op][errors]") {
    using Catch::Contains;
    CHECK_THROWS_WITH(
        camp_gated_fusion(zeros({4, 3}), zeros({4, 5}), zeros({4, 3})),
        Contains("camp_gated_fusion") && Contains("message f") && Contains("[4, 3]") && Contains("[4, 5]"));
    CHECK_THROWS_WITH(camp_gated_fusion(zeros({2, 3, 4}), zeros({2, 3, 4}), zeros({2, 3, 8})),
                      Contains("camp_gated_fusion") && Contains("fusion output y") && Contains("[2, 3, 8]"));
    CHECK_THROWS_WITH(camp_gated_fusion(zeros({4, 3}), zeros({4, 3}), zeros({3, 4})),
                      Contains("camp_gated_fusion") && Contains("[3, 4]"));
    CHECK_THROWS_WITH(camp_gated_fusion(zeros({4, 0}), zeros({4, 0}), zeros({4, 0})),
                      Contains("camp_gated_fusion") && Contains("D > 0"));
    const Tensor i64 = zeros({4, 3}, DType::I64);
    CHECK_THROWS_WITH(camp_gated_fusion(i64, i64, i64), Contains("camp_gated_fusion"));
    CHECK_THROWS_WITH(camp_gated_fusion(zeros({4, 3}), zeros({4, 3}, DType::F64), zeros({4, 3})),
                      Contains("camp_gated_fusion"));
}
