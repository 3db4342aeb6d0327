// SPDX-License-Identifier: MIT
// Cases for attention_pool (CAMP's SummaryAttn after its linear layers), and its agreement with the same
// maths composed of basic ops (the formulation models/camp used before the fusion).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {

/// Pair 0 fully valid, pair 1 its first two positions, pair 2 none (all-zero output, zero gradients).
Tensor fixed_mask(Device dev) {
    return from_vector(std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {3, 5}, dev);
}

Tensor composed_pool(const Tensor& x, const Tensor& e, const Tensor& valid) {
    const Tensor alpha = softmax(e, 1, valid.defined() ? unsqueeze(valid, 2) : Tensor());
    return sum(mul(x, mean(alpha, {2}, true)), {1});
}

}  // namespace

// ---- attention_pool: x (P, n, D), logits (P, n, H), valid (P, n)
IMRAM_OP_CASE({"attention_pool", "all valid", {F({3, 5, 6}), F({3, 5, 4}, -2.0, 2.0)}, [](const V& x) {
                   return V{attention_pool(x[0], x[1])};
               }});
IMRAM_OP_CASE({"attention_pool", "random pads", {F({4, 6, 3}), F({4, 6, 2}, -2.0, 2.0), Mask({4, 6}, 0.6)},
               [](const V& x) { return V{attention_pool(x[0], x[1], x[2])}; }});
IMRAM_OP_CASE({"attention_pool", "a pair without valid positions", {F({3, 5, 4}), F({3, 5, 4}, -3.0, 3.0)},
               [](const V& x) { return V{attention_pool(x[0], x[1], fixed_mask(x[0].device()))}; }});
// More positions than a CUDA block has threads, one head.
IMRAM_OP_CASE({"attention_pool", "long, one head", {F({2, 150, 3}), F({2, 150, 1}, -4.0, 4.0)}, [](const V& x) {
                   return V{attention_pool(x[0], x[1])};
               }});

TEST_CASE("attention_pool: equals the composed softmax, head mean and weighted sum", "[op][attention_pool]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        for (bool masked : {false, true}) {
            INFO("device " << dev << ", masked " << masked);
            // Pair 1's logits span +-40: a saturated softmax.
            const Tensor x0 = randn({3, 5, 7}, 21, 0, DType::F64, dev);
            std::vector<double> ev = randn({3, 5, 4}, 22, 0, DType::F64, dev).to_vector<double>();
            for (std::size_t k = 20; k < 40; ++k) ev[k] *= 40;
            const Tensor e0 = from_vector(ev, {3, 5, 4}, dev);
            const Tensor valid = masked ? fixed_mask(dev) : Tensor();
            const V a{leaf(x0), leaf(e0)}, b{leaf(x0), leaf(e0)};
            const Tensor f = attention_pool(a[0], a[1], valid), c = composed_pool(b[0], b[1], valid);
            CHECK(diff(f, c).max_abs < 1e-14);
            if (masked)
                for (std::int64_t d = 0; d < 7; ++d) CHECK(f.to_vector<double>()[static_cast<std::size_t>(2 * 7 + d)] == 0.0);
            const Tensor w = randn({3, 7}, 23, 0, DType::F64, dev);
            sum(mul(f, w)).backward();
            sum(mul(c, w)).backward();
            for (int i = 0; i < 2; ++i) {
                INFO("input " << i << ": " << describe_diff(diff(a[i].grad(), b[i].grad()), a[i].grad(), b[i].grad()));
                CHECK(diff(a[i].grad(), b[i].grad()).max_abs < 1e-13);
                for (double g : a[i].grad().to_vector<double>()) CHECK(std::isfinite(g));
            }
        }
    }
}

TEST_CASE("attention_pool: bad shapes are reported", "[op][errors]") {
    using Catch::Contains;
    CHECK_THROWS_WITH(attention_pool(zeros({2, 3}), zeros({2, 3, 1})), Contains("attention_pool") && Contains("(P, n, D"));
    CHECK_THROWS_WITH(attention_pool(zeros({2, 3, 4}), zeros({2, 4, 1})),
                      Contains("attention_pool: logits must be (P, n, heads) = (2, 3, heads > 0)"));
    CHECK_THROWS_WITH(attention_pool(zeros({2, 3, 4}), zeros({2, 3, 1}), zeros({2, 3})),
                      Contains("valid must be bool (2, 3)"));
    CHECK_THROWS_WITH(attention_pool(zeros({2, 3, 4}, DType::I64), zeros({2, 3, 1}, DType::I64)), Contains("attention_pool"));
}
