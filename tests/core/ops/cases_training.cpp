// SPDX-License-Identifier: MIT
// Cases for the training ops: hardest_negatives (negative mining), sum_squares (gradient clipping),
// adam_step_ and sgd_step_ (the optimizers), add_ (gradient accumulation). Not differentiable: parity
// only, every backend against the f64 reference; the integer outputs must match exactly.
#include <catch2/catch.hpp>

#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {
V mine(const V& x) {
    const HardestNegatives h = hardest_negatives(x[0]);
    return {h.row, h.col};
}
V squares(const V& x) { return {from_vector(std::vector<double>{sum_squares(x[0])}, {1})}; }
V adam(const V& x, const AdamStep& s) {
    Tensor p = x[0].clone(), m = x[2].clone(), v = x[3].clone();
    adam_step_(p, x[1], m, v, s);
    return {p, m, v};
}
V sgd(const V& x, const SgdStep& s) {
    Tensor p = x[0].clone(), buf = x.size() > 2 ? x[2].clone() : Tensor();
    sgd_step_(p, x[1], buf, s);
    return s.momentum != 0 ? V{p, buf} : V{p};
}
}  // namespace

IMRAM_OP_CASE({"hardest_negatives", "distinct scores", {F({6, 6})}, mine, false});
// Small integers: many exact ties, which every backend must break towards the first index.
IMRAM_OP_CASE({"hardest_negatives", "ties to the first index", {Ints({7, 7}, -2, 2)}, mine, false, true});
IMRAM_OP_CASE({"hardest_negatives", "two items", {F({2, 2})}, mine, false});

IMRAM_OP_CASE({"sum_squares", "matrix", {F({7, 13})}, squares, false});
// Longer than one block of the CUDA partial sums.
IMRAM_OP_CASE({"sum_squares", "long", {F({5000}, -2.0, 2.0)}, squares, false});
IMRAM_OP_CASE({"sum_squares", "strided view", {F({6, 9})}, [](const V& x) { return squares({transpose(x[0], 0, 1)}); },
               false});

IMRAM_OP_CASE({"adam_step_", "first step", {F({4, 5}), F({4, 5}), F({4, 5}, 0.0, 0.0), F({4, 5}, 0.0, 0.0)},
               [](const V& x) { return adam(x, AdamStep{1e-2, 0.9, 0.999, 1e-8, 1.0, 1}); }, false});
IMRAM_OP_CASE({"adam_step_", "later step, clipped gradient",
               {F({3, 7}), F({3, 7}), F({3, 7}, -0.1, 0.1), F({3, 7}, 0.0, 0.05)},
               [](const V& x) { return adam(x, AdamStep{2e-4, 0.9, 0.999, 1e-8, 0.25, 17}); }, false});

// x = {param, grad, momentum buffer}. At the first step the buffer's contents must not matter (it is
// set to the decayed gradient, PyTorch's clone), so it holds random values there.
IMRAM_OP_CASE({"sgd_step_", "nesterov, weight decay, first step", {F({4, 5}), F({4, 5}), F({4, 5}, -3.0, 3.0)},
               [](const V& x) { return sgd(x, SgdStep{0.1, 0.9, 1e-4, true, 1.0, true}); }, false});
IMRAM_OP_CASE({"sgd_step_", "nesterov, weight decay, later step, clipped gradient",
               {F({3, 7}), F({3, 7}), F({3, 7}, -0.5, 0.5)},
               [](const V& x) { return sgd(x, SgdStep{0.05, 0.9, 1e-4, true, 0.25, false}); }, false});
IMRAM_OP_CASE({"sgd_step_", "momentum, later step", {F({2, 11}), F({2, 11}), F({2, 11}, -0.5, 0.5)},
               [](const V& x) { return sgd(x, SgdStep{0.01, 0.8, 0.0, false, 1.0, false}); }, false});
// Longer than one block of the CUDA grid-stride loop.
IMRAM_OP_CASE({"sgd_step_", "momentum, weight decay, long", {F({3000}), F({3000}), F({3000}, -0.5, 0.5)},
               [](const V& x) { return sgd(x, SgdStep{0.02, 0.9, 5e-3, false, 0.5, false}); }, false});
IMRAM_OP_CASE({"sgd_step_", "no momentum (no buffer), weight decay", {F({5, 3}), F({5, 3})},
               [](const V& x) { return sgd(x, SgdStep{0.1, 0.0, 1e-2, false, 1.0, true}); }, false});

TEST_CASE("training ops: hardest_negatives, sum_squares and adam_step_ say what they expect", "[ops][errors]") {
    CHECK_THROWS_WITH(hardest_negatives(zeros({3, 4})), Catch::Contains("square (B, B)"));
    CHECK_THROWS_WITH(hardest_negatives(zeros({1, 1})), Catch::Contains("B >= 2"));
    const Tensor s = from_vector(std::vector<float>{0, 5, 5, 1, 0, 1, 3, 2, 0}, {3, 3});
    const HardestNegatives h = hardest_negatives(s);
    CHECK(h.row.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 0});
    CHECK(h.col.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 0, 0});
    CHECK(sum_squares(from_vector(std::vector<float>{3, -4}, {2})) == 25.0);
    Tensor p = zeros({2}), m = zeros({2}), v = zeros({2});
    CHECK_THROWS_WITH(adam_step_(p, zeros({3}), m, v, {}), Catch::Contains("of one shape"));
    CHECK_THROWS_WITH(adam_step_(p, zeros({2}), m, v, AdamStep{1e-3, 0.9, 0.999, 1e-8, 1.0, 0}),
                      Catch::Contains("step >= 1"));
    // First step from zero moments: every element moves by lr against the sign of its gradient.
    adam_step_(p, from_vector(std::vector<float>{2, -0.5}, {2}), m, v, AdamStep{0.1, 0.9, 0.999, 1e-8, 1.0, 1});
    const std::vector<float> got = p.to_vector<float>();
    CHECK(got[0] == Approx(-0.1).epsilon(1e-5));
    CHECK(got[1] == Approx(0.1).epsilon(1e-5));
}

TEST_CASE("sgd_step_: the momentum buffer starts as the gradient, not at zero; errors say what they expect",
          "[ops][errors][sgd_step_]") {
    // The buffer's old contents are ignored at the first step: buf = g, then Nesterov g + 0.9 buf = 1.9 g.
    Tensor p = zeros({2}, DType::F64), buf = full({2}, 100.0, DType::F64);
    const Tensor g = from_vector(std::vector<double>{2, -0.5}, {2});
    sgd_step_(p, g, buf, SgdStep{0.1, 0.9, 0.0, true, 1.0, true});
    CHECK(buf.to_vector<double>() == std::vector<double>{2, -0.5});
    CHECK(p.to_vector<double>()[0] == Approx(-0.38).epsilon(1e-14));
    CHECK(p.to_vector<double>()[1] == Approx(0.095).epsilon(1e-14));
    // Second step, same gradient: buf = 0.9 buf + g = 1.9 g; g + 0.9 buf = 2.71 g.
    sgd_step_(p, g, buf, SgdStep{0.1, 0.9, 0.0, true, 1.0, false});
    CHECK(buf.to_vector<double>()[0] == Approx(3.8).epsilon(1e-14));
    CHECK(p.to_vector<double>()[0] == Approx(-0.38 - 0.542).epsilon(1e-14));
    // Without momentum no buffer is needed; weight decay adds wd * p to the gradient.
    Tensor q = full({1}, 2.0, DType::F64), none;
    sgd_step_(q, from_vector(std::vector<double>{1}, {1}), none, SgdStep{0.5, 0.0, 0.1, false, 1.0, true});
    CHECK(q.to_vector<double>()[0] == Approx(2.0 - 0.5 * 1.2).epsilon(1e-14));
    CHECK_FALSE(none.defined());

    Tensor b = zeros({2}, DType::F64);
    CHECK_THROWS_WITH(sgd_step_(p, g, b, SgdStep{-0.1, 0.9, 0.0, false, 1.0, true}), Catch::Contains("lr >= 0"));
    CHECK_THROWS_WITH(sgd_step_(p, g, b, SgdStep{0.1, -0.9, 0.0, false, 1.0, true}),
                      Catch::Contains("momentum >= 0"));
    CHECK_THROWS_WITH(sgd_step_(p, g, b, SgdStep{0.1, 0.9, -1e-4, false, 1.0, true}),
                      Catch::Contains("weight_decay >= 0"));
    const Tensor one = from_vector(std::vector<double>{1}, {1});
    CHECK_THROWS_WITH(sgd_step_(q, one, none, SgdStep{0.1, 0.0, 0.0, true, 1.0, true}),
                      Catch::Contains("Nesterov momentum needs momentum > 0"));
    CHECK_THROWS_WITH(sgd_step_(p, g, none, SgdStep{0.1, 0.9, 0.0, false, 1.0, true}),
                      Catch::Contains("needs a momentum buffer"));
    Tensor wrong = zeros({3}, DType::F64);
    CHECK_THROWS_WITH(sgd_step_(p, g, wrong, SgdStep{0.1, 0.9, 0.0, false, 1.0, false}),
                      Catch::Contains("of the parameter's shape"));
    CHECK_THROWS_WITH(sgd_step_(p, zeros({3}, DType::F64), b, SgdStep{}), Catch::Contains("of one shape"));
    Tensor b32 = zeros({2});
    CHECK_THROWS_WITH(sgd_step_(p, g, b32, SgdStep{0.1, 0.9, 0.0, false, 1.0, false}), Catch::Contains("one dtype"));
}

// add_: the gradient accumulation of autograd (core/autograd.cpp), the binary kernel writing onto its
// first input. A strided g, and one longer than a CUDA block.
V accumulate(const V& x, bool transposed_g) {
    Tensor acc = x[0].clone();
    add_(acc, transposed_g ? transpose(x[1], 0, 1) : x[1]);
    return {acc};
}
IMRAM_OP_CASE({"add_", "contiguous", {F({4, 5}), F({4, 5})}, [](const V& x) { return accumulate(x, false); }, false});
IMRAM_OP_CASE({"add_", "strided g", {F({6, 9}), F({9, 6})}, [](const V& x) { return accumulate(x, true); }, false});
IMRAM_OP_CASE({"add_", "long", {F({3000}), F({3000})}, [](const V& x) { return accumulate(x, false); }, false});
