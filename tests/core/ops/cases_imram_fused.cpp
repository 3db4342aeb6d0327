// SPDX-License-Identifier: MIT
// Cases for the fused IMRAM step ops gram_cosine and gated_memory, and their agreement with the same
// maths composed of basic ops (the formulation models/imram used before the fusion).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

// ---- gram_cosine: alpha (P, Lq, Ls), logits (P, Ls, Lq), gram (P, Ls, Ls), xnorm (P, Lq)
// Positive alpha and G keep alpha^T G alpha away from 0, so every row is unclipped (no kink nearby).
IMRAM_OP_CASE({"gram_cosine",
               "unclipped",
               {F({3, 4, 5}, 0.05, 1.0), F({3, 5, 4}), F({3, 5, 5}, 0.1, 1.0), F({3, 4}, 0.5, 1.5)},
               [](const V& x) { return V{gram_cosine(x[0], x[1], x[2], x[3])}; }});
// |x| sqrt(cc) <= 1.5 * 5 < 100: every denominator is the constant eps.
IMRAM_OP_CASE({"gram_cosine",
               "clipped by eps",
               {F({2, 3, 5}, 0.05, 1.0), F({2, 5, 3}), F({2, 5, 5}, 0.1, 1.0), F({2, 3}, 0.5, 1.5)},
               [](const V& x) { return V{gram_cosine(x[0], x[1], x[2], x[3], 100.0)}; }});
// As the model feeds it: softmax weights, logits and Gram matrix from fragments x (P, Lq, D), y (P, Ls, D).
IMRAM_OP_CASE({"gram_cosine", "from fragments", {F({2, 3, 6}), F({2, 4, 6}), F({2, 3, 4}, -2.0, 2.0)}, [](const V& x) {
                   const Tensor alpha = softmax(x[2], -1);
                   const Tensor A = bmm(x[1], transpose(x[0], 1, 2)), G = bmm(x[1], transpose(x[1], 1, 2));
                   return V{gram_cosine(alpha, A, G, norm(x[0], -1))};
               }});

// ---- gated_memory: q (..., D), pre (..., 2D)
IMRAM_OP_CASE({"gated_memory", "normalised", {F({2, 3, 6}), F({2, 3, 12}, -2.0, 2.0)}, [](const V& x) {
                   return V{gated_memory(x[0], x[1], true)};
               }});
IMRAM_OP_CASE({"gated_memory", "no norm", {F({4, 5}), F({4, 10}, -2.0, 2.0)}, [](const V& x) {
                   return V{gated_memory(x[0], x[1], false)};
               }});
IMRAM_OP_CASE({"gated_memory", "one row, large pre", {F({7}), F({14}, -6.0, 6.0)}, [](const V& x) {
                   return V{gated_memory(x[0], x[1], true)};
               }});

namespace {

/// Values of `t` with the rows listed in `zero_rows` (of the flattened (-1, last) view) set to 0.
Tensor with_zero_rows(const Tensor& t, const std::vector<std::int64_t>& zero_rows) {
    std::vector<double> v = t.to(DType::F64).to_vector<double>();
    const std::int64_t D = t.size(-1);
    for (auto r : zero_rows)
        for (std::int64_t i = 0; i < D; ++i) v[static_cast<std::size_t>(r * D + i)] = 0;
    return from_vector(v, t.shape(), t.device()).to(t.dtype());
}

/// gram_cosine from fragments x (P, Lq, D), y (P, Ls, D) and attention logits z (P, Lq, Ls) under a
/// context mask (a pair without valid context gets alpha = 0, as clipped_attention gives it).
Tensor fused_cos(const Tensor& x, const Tensor& y, const Tensor& z, const Tensor& cv) {
    const Tensor alpha = softmax(z, -1, unsqueeze(cv, 1));
    return gram_cosine(alpha, bmm(y, transpose(x, 1, 2)), bmm(y, transpose(y, 1, 2)), norm(x, -1));
}
Tensor composed_cos(const Tensor& x, const Tensor& y, const Tensor& z, const Tensor& cv) {
    return cosine_similarity(x, bmm(softmax(z, -1, unsqueeze(cv, 1)), y));
}

Tensor composed_memory(const Tensor& q, const Tensor& pre, bool normalize) {
    const std::int64_t D = q.size(-1);
    const Tensor o = tanh(slice(pre, -1, 0, D)), g = sigmoid(slice(pre, -1, D, 2 * D));
    const Tensor out = add(o, mul(g, sub(q, o)));
    return normalize ? l2norm(out) : out;
}

}  // namespace

TEST_CASE("gram_cosine: equals cosine_similarity against the attended vectors, zero vectors and large values",
          "[op][gram_cosine]") {
    for (Device dev : {Device::ref(), Device::cpu()}) {
        for (double scale : {1.0, 1e3}) {
            INFO("device " << dev << ", scale " << scale);
            const std::int64_t P = 3, Lq = 4, Ls = 5, D = 7;
            // Row 1 of pair 0 and row 3 of pair 2 are zero queries (padded fragments); pair 1 has no valid
            // context (alpha = 0, so c = 0): both hit the eps denominator.
            const Tensor x0 = with_zero_rows(mul(randn({P, Lq, D}, 1, 0, DType::F64, dev), scale), {1, 11});
            const Tensor y0 = mul(randn({P, Ls, D}, 2, 0, DType::F64, dev), scale);
            const Tensor z0 = randn({P, Lq, Ls}, 3, 0, DType::F64, dev);
            const Tensor cv = from_vector<std::uint8_t>({1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0}, {P, Ls}, dev);
            const V a{leaf(x0), leaf(y0), leaf(z0)}, b{leaf(x0), leaf(y0), leaf(z0)};
            const Tensor f = fused_cos(a[0], a[1], a[2], cv), c = composed_cos(b[0], b[1], b[2], cv);
            CHECK(diff(f, c).max_abs < 1e-13);
            const std::vector<double> fv = f.to_vector<double>();
            CHECK(fv[1] == 0.0);                                                                       // zero query
            CHECK(fv[11] == 0.0);                                                                      // zero query
            for (std::int64_t q = 0; q < Lq; ++q) CHECK(fv[static_cast<std::size_t>(Lq + q)] == 0.0);  // empty context
            const Tensor w = randn({P, Lq}, 4, 0, DType::F64, dev);
            sum(mul(f, w)).backward();
            sum(mul(c, w)).backward();
            for (int i = 0; i < 3; ++i) {
                INFO("input " << i << ": " << describe_diff(diff(a[i].grad(), b[i].grad()), a[i].grad(), b[i].grad()));
                CHECK(diff(a[i].grad(), b[i].grad()).rel() < 1e-11);
            }
        }
    }
}

TEST_CASE("gram_cosine: f32 on cpu stays within the composed f32 error of the f64 result", "[op][gram_cosine]") {
    const Tensor x = randn({16, 12, 64}, 5, 0, DType::F64, Device::cpu()),
                 y = randn({16, 36, 64}, 6, 0, DType::F64, Device::cpu());
    const Tensor z = mul(randn({16, 12, 36}, 7, 0, DType::F64, Device::cpu()), 4.0);
    const Tensor cv = ones({16, 36}, DType::Bool, Device::cpu());
    const Tensor want = composed_cos(x, y, z, cv);
    auto f32 = [](const Tensor& t) { return t.to(DType::F32); };
    const double fused_err = diff(fused_cos(f32(x), f32(y), f32(z), cv), want).rel();
    const double composed_err = diff(composed_cos(f32(x), f32(y), f32(z), cv), want).rel();
    INFO("fused " << fused_err << ", composed " << composed_err);
    CHECK(fused_err <= std::max(2 * composed_err, 1e-6));
}

TEST_CASE("gated_memory: equals the composed elementwise chain, zero rows and saturated gates", "[op][gated_memory]") {
    for (Device dev : {Device::ref(), Device::cpu()}) {
        for (bool normalize : {true, false}) {
            INFO("device " << dev << ", normalize " << normalize);
            const std::int64_t N = 4, D = 6;
            // Row 2: q = 0 and tanh's half of pre = 0, so q' = 0 (the l2norm's eps case). Row 3: |pre| ~ 40,
            // tanh and sigmoid saturate.
            const Tensor q0 = with_zero_rows(randn({N, D}, 11, 0, DType::F64, dev), {2});
            std::vector<double> pv = randn({N, 2 * D}, 12, 0, DType::F64, dev).to_vector<double>();
            for (std::int64_t i = 0; i < D; ++i) pv[static_cast<std::size_t>(2 * 2 * D + i)] = 0;
            for (std::int64_t i = 0; i < 2 * D; ++i) pv[static_cast<std::size_t>(3 * 2 * D + i)] *= 40;
            const Tensor p0 = from_vector(pv, {N, 2 * D}, dev);
            const V a{leaf(q0), leaf(p0)}, b{leaf(q0), leaf(p0)};
            const Tensor f = gated_memory(a[0], a[1], normalize), c = composed_memory(b[0], b[1], normalize);
            CHECK(diff(f, c).max_abs < 1e-14);
            const std::vector<double> fv = f.to_vector<double>();
            for (std::int64_t i = 0; i < D; ++i) CHECK(fv[static_cast<std::size_t>(2 * D + i)] == 0.0);
            const Tensor w = randn({N, D}, 13, 0, DType::F64, dev);
            sum(mul(f, w)).backward();
            sum(mul(c, w)).backward();
            for (int i = 0; i < 2; ++i) {
                INFO("input " << i << ": " << describe_diff(diff(a[i].grad(), b[i].grad()), a[i].grad(), b[i].grad()));
                CHECK(diff(a[i].grad(), b[i].grad()).rel() < 1e-13);
                for (double g : a[i].grad().to_vector<double>()) CHECK(std::isfinite(g));
            }
        }
    }
}

TEST_CASE("gram_cosine and gated_memory: bad shapes are reported", "[op][errors]") {
    using Catch::Contains;
    const Tensor al = zeros({2, 3, 4}, DType::F64);
    CHECK_THROWS_WITH(
        gram_cosine(al, zeros({2, 3, 4}, DType::F64), zeros({2, 4, 4}, DType::F64), zeros({2, 3}, DType::F64)),
        Contains("gram_cosine") && Contains("logits") && Contains("[2, 4, 3]"));
    CHECK_THROWS_WITH(
        gram_cosine(al, zeros({2, 4, 3}, DType::F64), zeros({2, 3, 3}, DType::F64), zeros({2, 3}, DType::F64)),
        Contains("gram") && Contains("[2, 4, 4]"));
    CHECK_THROWS_WITH(
        gram_cosine(al, zeros({2, 4, 3}, DType::F64), zeros({2, 4, 4}, DType::F64), zeros({2, 4}, DType::F64)),
        Contains("xnorm") && Contains("[2, 3]"));
    CHECK_THROWS_WITH(
        gram_cosine(al, zeros({2, 4, 3}, DType::F64), zeros({2, 4, 4}, DType::F64), zeros({2, 3}, DType::F64), 0.0),
        Contains("eps"));
    CHECK_THROWS_WITH(gram_cosine(al, zeros({2, 4, 3}), zeros({2, 4, 4}, DType::F64), zeros({2, 3}, DType::F64)),
                      Contains("gram_cosine"));
    CHECK_THROWS_WITH(gated_memory(zeros({5, 3}), zeros({5, 3}), true),
                      Contains("gated_memory") && Contains("[5, 6]") && Contains("[5, 3]"));
    CHECK_THROWS_WITH(gated_memory(zeros({5, 3}, DType::I64), zeros({5, 6}, DType::I64), true),
                      Contains("gated_memory"));
}
