// SPDX-License-Identifier: MIT
// Cases for the elementwise ops (binary with broadcasting, unary, where/masked_fill).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

// Binary ops: same shape, broadcasting both ways, scalar, and a strided (transposed) operand.
IMRAM_OP_CASE({"add", "same", {F({3, 5}), F({3, 5})}, [](const V& x) { return V{add(x[0], x[1])}; }});
IMRAM_OP_CASE({"add", "broadcast", {F({2, 1, 4}), F({3, 1})}, [](const V& x) { return V{add(x[0], x[1])}; }});
IMRAM_OP_CASE({"add", "scalar", {F({4, 3}), F({})}, [](const V& x) { return V{add(x[0], x[1])}; }});
IMRAM_OP_CASE({"sub", "broadcast", {F({4, 1}), F({1, 5})}, [](const V& x) { return V{sub(x[0], x[1])}; }});
IMRAM_OP_CASE({"sub", "transposed", {F({3, 4}), F({4, 3})}, [](const V& x) {
                   return V{sub(x[0], transpose(x[1], 0, 1))};
               }});
IMRAM_OP_CASE({"mul", "broadcast", {F({2, 3, 4}), F({3, 1})}, [](const V& x) { return V{mul(x[0], x[1])}; }});
IMRAM_OP_CASE({"mul", "self", {F({5})}, [](const V& x) { return V{mul(x[0], x[0])}; }});
IMRAM_OP_CASE({"div", "broadcast", {F({3, 4}), F({4}, 0.5, 2.0)}, [](const V& x) { return V{div(x[0], x[1])}; }});
IMRAM_OP_CASE({"div", "both", {F({2, 3}, 0.5, 2.0), F({2, 3}, 0.5, 2.0)}, [](const V& x) {
                   return V{div(x[0], x[1])};
               }});

// Unary ops on ragged shapes; ranges avoid kinks and domain edges so central differences are valid.
IMRAM_OP_CASE({"neg", "ragged", {F({3, 7})}, [](const V& x) { return V{neg(x[0])}; }});
IMRAM_OP_CASE({"exp", "ragged", {F({2, 3, 5}, -2, 2)}, [](const V& x) { return V{exp(x[0])}; }});
IMRAM_OP_CASE({"log", "positive", {F({4, 5}, 0.2, 3)}, [](const V& x) { return V{log(x[0])}; }});
IMRAM_OP_CASE({"sqrt", "positive", {F({11}, 0.2, 3)}, [](const V& x) { return V{sqrt(x[0])}; }});
IMRAM_OP_CASE({"tanh", "ragged", {F({3, 9}, -3, 3)}, [](const V& x) { return V{tanh(x[0])}; }});
IMRAM_OP_CASE({"sigmoid", "ragged", {F({5, 3}, -4, 4)}, [](const V& x) { return V{sigmoid(x[0])}; }});
IMRAM_OP_CASE({"relu", "ragged", {F({6, 5})}, [](const V& x) { return V{relu(x[0])}; }});
IMRAM_OP_CASE({"leaky_relu", "slope0.1", {F({4, 6})}, [](const V& x) { return V{leaky_relu(x[0], 0.1)}; }});
IMRAM_OP_CASE({"pow", "cube", {F({3, 4})}, [](const V& x) { return V{pow(x[0], 3.0)}; }});
IMRAM_OP_CASE({"pow", "fractional", {F({7}, 0.3, 2)}, [](const V& x) { return V{pow(x[0], 1.5)}; }});
IMRAM_OP_CASE({"clamp", "ragged", {F({5, 5})}, [](const V& x) { return V{clamp(x[0], -0.5, 0.4)}; }});
IMRAM_OP_CASE({"exp", "strided input", {F({4, 3})}, [](const V& x) { return V{exp(transpose(x[0], 0, 1))}; }});

IMRAM_OP_CASE({"where", "broadcast", {Mask({3, 1}), F({3, 4}), F({4})}, [](const V& x) {
                   return V{where(x[0], x[1], x[2])};
               }});
IMRAM_OP_CASE({"masked_fill", "rows", {F({3, 5}), Mask({1, 5})}, [](const V& x) {
                   return V{masked_fill(x[0], x[1], -2.5)};
               }});

TEST_CASE("binary ops: known values and broadcasting", "[op][binary]") {
    Tensor a = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor b = from_vector<float>({10, 20, 30}, {3});
    CHECK(add(a, b).to_vector<float>() == std::vector<float>{11, 22, 33, 14, 25, 36});
    CHECK(sub(a, b).to_vector<float>() == std::vector<float>{-9, -18, -27, -6, -15, -24});
    CHECK(mul(a, 2.0).to_vector<float>() == std::vector<float>{2, 4, 6, 8, 10, 12});
    CHECK(div(b, b).to_vector<float>() == std::vector<float>{1, 1, 1});
    CHECK(add(a, b).shape() == Shape{2, 3});
}

TEST_CASE("unary ops: known values", "[op][unary]") {
    Tensor x = from_vector<double>({-2, -0.5, 0.5, 2}, {4}, Device::ref());
    CHECK(relu(x).to_vector<double>() == std::vector<double>{0, 0, 0.5, 2});
    CHECK(leaky_relu(x, 0.1).to_vector<double>() == std::vector<double>{-0.2, -0.05, 0.5, 2});
    CHECK(clamp(x, -1, 1).to_vector<double>() == std::vector<double>{-1, -0.5, 0.5, 1});
    CHECK(sigmoid(x).at(3) == Approx(1.0 / (1.0 + std::exp(-2.0))));
    CHECK(pow(x, 2).to_vector<double>() == std::vector<double>{4, 0.25, 0.25, 4});
}

TEST_CASE("where and masked_fill select by mask", "[op][where]") {
    Tensor x = from_vector<float>({1, 2, 3, 4}, {2, 2});
    Tensor m = from_vector<std::uint8_t>({1, 0}, {1, 2});
    CHECK(masked_fill(x, m, -9).to_vector<float>() == std::vector<float>{-9, 2, -9, 4});
    CHECK(where(m, x, zeros({2, 2})).to_vector<float>() == std::vector<float>{1, 0, 3, 0});
}
