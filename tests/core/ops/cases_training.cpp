// SPDX-License-Identifier: MIT
// Cases for the training ops: hardest_negatives (negative mining), sum_squares (gradient clipping)
// and adam_step_ (the optimizer). Not differentiable: parity only, every backend against the f64
// reference; the integer outputs must match exactly.
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
