// SPDX-License-Identifier: MIT
// Cases for softmax / log_softmax (with masks), l2norm and cosine similarity.
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

IMRAM_OP_CASE({"softmax", "last", {F({4, 7}, -3, 3)}, [](const V& x) { return V{softmax(x[0], -1)}; }});
IMRAM_OP_CASE({"softmax", "middle", {F({2, 5, 3}, -3, 3)}, [](const V& x) { return V{softmax(x[0], 1)}; }});
IMRAM_OP_CASE({"softmax", "masked", {F({5, 6}, -3, 3), Mask({5, 6}, 0.5)}, [](const V& x) {
                   return V{softmax(x[0], 1, x[1])};
               }});
IMRAM_OP_CASE({"softmax", "large logits", {F({3, 4}, 500, 520)}, [](const V& x) { return V{softmax(x[0], 1)}; }});
IMRAM_OP_CASE({"log_softmax", "last", {F({3, 8}, -3, 3)}, [](const V& x) { return V{log_softmax(x[0], -1)}; }});
IMRAM_OP_CASE({"log_softmax", "masked broadcast", {F({2, 3, 4}, -2, 2), Mask({1, 3, 4}, 0.6)}, [](const V& x) {
                   return V{log_softmax(x[0], 2, x[1])};
               }});
IMRAM_OP_CASE({"l2norm", "ragged", {F({3, 2, 9})}, [](const V& x) { return V{l2norm(x[0])}; }});
IMRAM_OP_CASE({"l2norm", "one column", {F({4, 1}, 0.5, 1)}, [](const V& x) { return V{l2norm(x[0])}; }});
IMRAM_OP_CASE({"cosine_similarity", "rows", {F({5, 7}), F({5, 7})}, [](const V& x) {
                   return V{cosine_similarity(x[0], x[1])};
               }});
// eps larger than |a||b| exercises the clipped branch (the denominator is the constant eps there).
IMRAM_OP_CASE({"cosine_similarity", "clipped by eps", {F({3, 4}), F({3, 4})}, [](const V& x) {
                   return V{cosine_similarity(x[0], x[1], 10.0)};
               }});

TEST_CASE("softmax: fully masked rows give zeros, not NaN, on every backend", "[op][softmax]") {
    for (Device dev : {Device::ref(), Device::cpu()}) {
        Tensor x = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}, dev).set_requires_grad();
        Tensor valid = from_vector<std::uint8_t>({1, 0, 1, 0, 0, 0}, {2, 3}, dev);
        Tensor y = softmax(x, 1, valid);
        const auto v = y.to_vector<float>();
        CHECK(v[1] == 0);
        CHECK(v[0] + v[2] == Approx(1));
        CHECK(v[3] == 0);
        CHECK(v[4] == 0);
        CHECK(v[5] == 0);
        sum(mul(y, from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}, dev))).backward();
        for (float g : x.grad().to_vector<float>()) CHECK(std::isfinite(g));
        Tensor ly = log_softmax(x.detach(), 1, valid);
        for (float g : ly.to_vector<float>()) CHECK(std::isfinite(g));
    }
}

TEST_CASE("softmax: large logits stay finite and sum to one", "[op][softmax]") {
    Tensor y = softmax(from_vector<float>({1000, 1001, -1000}, {1, 3}), 1);
    const auto v = y.to_vector<float>();
    CHECK(v[0] + v[1] + v[2] == Approx(1));
    CHECK(v[2] == 0);
}

TEST_CASE("l2norm: eps is added to the norm; zero rows stay zero with finite grads", "[op][l2norm]") {
    Tensor x = from_vector<double>({3, 4, 0, 0}, {2, 2}, Device::ref()).set_requires_grad();
    Tensor y = l2norm(x, 1e-8);
    CHECK(y.at(0) == Approx(3.0 / (5.0 + 1e-8)).epsilon(1e-15));
    CHECK(y.at(2) == 0);
    sum(y).backward();
    for (double g : x.grad().to_vector<double>()) CHECK(std::isfinite(g));
}

TEST_CASE("cosine_similarity: max(|a||b|, eps) denominator", "[op][cosine]") {
    Tensor a = from_vector<double>({1, 0, 0, 0}, {2, 2}, Device::ref());
    Tensor b = from_vector<double>({2, 0, 5, 5}, {2, 2}, Device::ref());
    const auto c = cosine_similarity(a, b, 1e-8).to_vector<double>();
    CHECK(c[0] == Approx(1.0));
    CHECK(c[1] == 0.0);
}
