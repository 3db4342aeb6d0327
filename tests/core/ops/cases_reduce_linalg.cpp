// SPDX-License-Identifier: MIT
// Cases for reductions and products.
#include <catch2/catch.hpp>

#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

IMRAM_OP_CASE({"sum", "all", {F({3, 4})}, [](const V& x) { return V{sum(x[0])}; }});
IMRAM_OP_CASE({"sum", "middle keepdim", {F({2, 3, 4})}, [](const V& x) { return V{sum(x[0], {1}, true)}; }});
IMRAM_OP_CASE({"sum", "two dims", {F({2, 3, 5})}, [](const V& x) { return V{sum(x[0], {0, 2})}; }});
IMRAM_OP_CASE({"mean", "last", {F({4, 7})}, [](const V& x) { return V{mean(x[0], {-1})}; }});
IMRAM_OP_CASE({"mean", "all keepdim", {F({3, 2, 2})}, [](const V& x) { return V{mean(x[0], {}, true)}; }});
IMRAM_OP_CASE({"max", "dim1", {F({3, 5, 2})}, [](const V& x) {
                   auto r = max(x[0], 1);
                   return V{r.values, r.indices};
               }});
IMRAM_OP_CASE({"max", "last keepdim", {F({4, 6})}, [](const V& x) {
                   auto r = max(x[0], -1, true);
                   return V{r.values, r.indices};
               }});
IMRAM_OP_CASE({"norm", "last", {F({5, 3})}, [](const V& x) { return V{norm(x[0], -1)}; }});
IMRAM_OP_CASE({"norm", "first keepdim", {F({4, 3, 2})}, [](const V& x) { return V{norm(x[0], 0, true)}; }});

IMRAM_OP_CASE({"matmul", "2d", {F({5, 7}), F({7, 3})}, [](const V& x) { return V{matmul(x[0], x[1])}; }});
IMRAM_OP_CASE({"matmul", "batched lhs", {F({2, 3, 4}), F({4, 5})}, [](const V& x) { return V{matmul(x[0], x[1])}; }});
IMRAM_OP_CASE({"matmul", "transposed operands", {F({4, 6}), F({5, 4})}, [](const V& x) {
                   return V{matmul(transpose(x[0], 0, 1), transpose(x[1], 0, 1))};
               }});
IMRAM_OP_CASE({"matmul",
               "small ints exact",
               {Ints({13, 17}), Ints({17, 9})},
               [](const V& x) { return V{matmul(x[0], x[1])}; },
               false,
               true});
IMRAM_OP_CASE({"bmm", "ragged", {F({3, 4, 5}), F({3, 5, 2})}, [](const V& x) { return V{bmm(x[0], x[1])}; }});
IMRAM_OP_CASE({"bmm",
               "small ints exact",
               {Ints({4, 9, 11}), Ints({4, 11, 6})},
               [](const V& x) { return V{bmm(x[0], x[1])}; },
               false,
               true});
IMRAM_OP_CASE({"linear", "bias", {F({2, 3, 5}), F({4, 5}), F({4})}, [](const V& x) {
                   return V{linear(x[0], x[1], x[2])};
               }});
IMRAM_OP_CASE({"linear", "no bias", {F({6, 3}), F({2, 3})}, [](const V& x) { return V{linear(x[0], x[1])}; }});
IMRAM_OP_CASE({"linear",
               "small ints exact",
               {Ints({33, 40}), Ints({19, 40}), Ints({19})},
               [](const V& x) { return V{linear(x[0], x[1], x[2])}; },
               false,
               true});

TEST_CASE("reductions: known values", "[op][reduce]") {
    Tensor x = from_vector<float>({1, 5, 3, 4, 2, 6}, {2, 3});
    CHECK(sum(x).item<float>() == 21);
    CHECK(sum(x, {0}).to_vector<float>() == std::vector<float>{5, 7, 9});
    CHECK(mean(x, {1}).to_vector<float>() == std::vector<float>{3, 4});
    auto m = max(x, 1);
    CHECK(m.values.to_vector<float>() == std::vector<float>{5, 6});
    CHECK(m.indices.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2});
    CHECK(sum(x, {1}, true).shape() == Shape{2, 1});
    CHECK(norm(from_vector<float>({3, 4}, {1, 2}), 1).item<float>() == Approx(5));
}

TEST_CASE("max: ties pick the first index; norm of a zero vector has zero gradient", "[op][reduce]") {
    Tensor x = from_vector<double>({2, 7, 7, 1}, {1, 4}, Device::ref());
    CHECK(max(x, 1).indices.item<std::int64_t>() == 1);
    Tensor z = zeros({3}, DType::F64, Device::ref()).set_requires_grad();
    norm(z, 0).backward();
    CHECK(z.grad().to_vector<double>() == std::vector<double>{0, 0, 0});
}

TEST_CASE("matmul: known values", "[op][matmul]") {
    Tensor a = from_vector<float>({1, 2, 3, 4}, {2, 2});
    Tensor b = from_vector<float>({5, 6, 7, 8}, {2, 2});
    CHECK(matmul(a, b).to_vector<float>() == std::vector<float>{19, 22, 43, 50});
    Tensor w = from_vector<float>({1, 0, 0, 1, 1, 1}, {3, 2});
    CHECK(linear(a, w, from_vector<float>({0, 0, 10}, {3})).to_vector<float>() ==
          std::vector<float>{1, 2, 13, 3, 4, 17});
}

TEST_CASE("matmul: an empty inner dim gives zeros on every backend", "[op][matmul]") {
    for (Device dev : {Device::ref(), Device::cpu()}) {
        Tensor c = matmul(empty({3, 0}, DType::F32, dev), empty({0, 2}, DType::F32, dev));
        REQUIRE(c.shape() == Shape{3, 2});
        CHECK(c.to_vector<float>() == std::vector<float>(6, 0.f));
    }
}
