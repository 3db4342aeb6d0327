// SPDX-License-Identifier: MIT
// Cases for scaled_dot_attention (CAMP's message passing), and its agreement with the same maths
// composed of basic ops (models/camp's attend() before the fusion).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {

/// Pair 0 every key valid, pair 1 its first two, pair 2 none (a zero output and zero gradients).
Tensor fixed_keys(Device dev) {
    return from_vector(std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {3, 5}, dev);
}

Tensor composed_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_valid, double scale) {
    const Tensor valid = key_valid.defined() ? unsqueeze(key_valid, 1) : Tensor();
    return bmm(softmax(mul(bmm(q, transpose(k, 1, 2)), scale), 2, valid), v);
}

}  // namespace

// ---- scaled_dot_attention: q (P, n, Dk), k (P, m, Dk), v (P, m, Dv), key_valid (P, m)
IMRAM_OP_CASE({"scaled_dot_attention", "every key valid", {F({2, 3, 4}), F({2, 5, 4}), F({2, 5, 6})}, [](const V& x) {
                   return V{scaled_dot_attention(x[0], x[1], x[2], Tensor(), 0.5)};
               }});
IMRAM_OP_CASE({"scaled_dot_attention", "random key pads", {F({4, 2, 3}), F({4, 6, 3}), F({4, 6, 2}), Mask({4, 6}, 0.6)},
               [](const V& x) { return V{scaled_dot_attention(x[0], x[1], x[2], x[3], 1.0)}; }});
IMRAM_OP_CASE({"scaled_dot_attention", "a pair without valid keys", {F({3, 4, 3}), F({3, 5, 3}), F({3, 5, 3})},
               [](const V& x) { return V{scaled_dot_attention(x[0], x[1], x[2], fixed_keys(x[0].device()), 0.7)}; }});
// More keys than a CUDA block has threads; self-attention (q = k = v), as CAMP's refinement.
IMRAM_OP_CASE({"scaled_dot_attention", "long, self", {F({1, 140, 3})}, [](const V& x) {
                   return V{scaled_dot_attention(x[0], x[0], x[0], Tensor(), 1.0 / std::sqrt(3.0))};
               }});

TEST_CASE("scaled_dot_attention: equals the composed bmm, masked softmax and bmm", "[op][scaled_dot_attention]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        for (bool masked : {false, true}) {
            INFO("device " << dev << ", masked " << masked);
            const Tensor q0 = randn({3, 4, 6}, 31, 0, DType::F64, dev);
            const Tensor k0 = randn({3, 5, 6}, 32, 0, DType::F64, dev), v0 = randn({3, 5, 7}, 33, 0, DType::F64, dev);
            const Tensor valid = masked ? fixed_keys(dev) : Tensor();
            // scale 8 makes the softmax of some rows nearly one-hot.
            for (double scale : {1.0 / std::sqrt(6.0), 8.0}) {
                const V a{leaf(q0), leaf(k0), leaf(v0)}, b{leaf(q0), leaf(k0), leaf(v0)};
                const Tensor f = scaled_dot_attention(a[0], a[1], a[2], valid, scale);
                const Tensor c = composed_attention(b[0], b[1], b[2], valid, scale);
                CHECK(diff(f, c).max_abs < 1e-13);
                if (masked)
                    for (std::int64_t e = 0; e < 4 * 7; ++e) CHECK(f.to_vector<double>()[static_cast<std::size_t>(2 * 4 * 7 + e)] == 0.0);
                const Tensor w = randn({3, 4, 7}, 34, 0, DType::F64, dev);
                sum(mul(f, w)).backward();
                sum(mul(c, w)).backward();
                for (int i = 0; i < 3; ++i) {
                    INFO("input " << i << ", scale " << scale << ": "
                                  << describe_diff(diff(a[i].grad(), b[i].grad()), a[i].grad(), b[i].grad()));
                    CHECK(diff(a[i].grad(), b[i].grad()).max_abs < 1e-12);
                }
            }
        }
    }
}

TEST_CASE("scaled_dot_attention: bad shapes are reported", "[op][errors]") {
    using Catch::Contains;
    CHECK_THROWS_WITH(scaled_dot_attention(zeros({2, 3}), zeros({2, 3, 1}), zeros({2, 3, 1}), Tensor(), 1.0),
                      Contains("scaled_dot_attention: expected q (P, n, Dk)"));
    CHECK_THROWS_WITH(scaled_dot_attention(zeros({2, 3, 4}), zeros({2, 5, 4}), zeros({2, 6, 4}), Tensor(), 1.0),
                      Contains("same m"));
    CHECK_THROWS_WITH(scaled_dot_attention(zeros({2, 3, 4}), zeros({2, 5, 3}), zeros({2, 5, 4}), Tensor(), 1.0),
                      Contains("k must be (2, m, 4)"));
    CHECK_THROWS_WITH(scaled_dot_attention(zeros({2, 3, 4}), zeros({2, 5, 4}), zeros({2, 5, 4}), zeros({2, 5}), 1.0),
                      Contains("key_valid must be bool (2, 5)"));
    CHECK_THROWS_WITH(scaled_dot_attention(zeros({2, 3, 4}), zeros({2, 5, 4}), zeros({2, 5, 4}), Tensor(), INFINITY),
                      Contains("scale must be finite"));
}
