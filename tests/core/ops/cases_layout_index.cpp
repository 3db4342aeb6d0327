// SPDX-License-Identifier: MIT
// Cases for layout ops (views and copies) and indexing ops.
#include <catch2/catch.hpp>

#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

// Views are followed by an elementwise op so the parity harness also reads them through kernels.
IMRAM_OP_CASE({"transpose", "2d", {F({3, 5})}, [](const V& x) { return V{contiguous(transpose(x[0], 0, 1))}; }});
IMRAM_OP_CASE({"permute", "3d", {F({2, 3, 4})}, [](const V& x) { return V{contiguous(permute(x[0], {2, 0, 1}))}; }});
// Larger than the CPU copy's 32 x 32 transpose tiles, with partial tiles at both edges, and a batch of
// transposes (the last two dims swapped) over a strided slice.
IMRAM_OP_CASE({"transpose", "tiled, partial tiles", {F({45, 70})}, [](const V& x) {
                   return V{contiguous(transpose(x[0], 0, 1))};
               }});
IMRAM_OP_CASE({"permute", "batch of tiled transposes", {F({3, 40, 37})}, [](const V& x) {
                   return V{contiguous(permute(slice(x[0], 1, 1, 40, 2), {0, 2, 1}))};
               }});
IMRAM_OP_CASE({"reshape", "split", {F({4, 6})}, [](const V& x) {
                   return V{mul(reshape(x[0], {2, -1, 3}), x[0].size(0))};
               }});
IMRAM_OP_CASE({"reshape", "of transposed", {F({4, 3})}, [](const V& x) {
                   return V{reshape(transpose(x[0], 0, 1), {12})};
               }});
IMRAM_OP_CASE({"expand", "rows", {F({1, 4})}, [](const V& x) { return V{contiguous(expand(x[0], {3, 4}))}; }});
IMRAM_OP_CASE({"expand", "new leading", {F({3, 1})}, [](const V& x) { return V{exp(expand(x[0], {2, 3, 5}))}; }});
IMRAM_OP_CASE({"contiguous", "of permuted", {F({2, 3, 4})}, [](const V& x) {
                   return V{contiguous(permute(x[0], {1, 2, 0}))};
               }});
IMRAM_OP_CASE({"slice", "step", {F({7, 3})}, [](const V& x) { return V{contiguous(slice(x[0], 0, 1, 7, 2))}; }});
IMRAM_OP_CASE({"slice", "negative start", {F({2, 9})}, [](const V& x) {
                   return V{mul(slice(x[0], 1, -4, 9), x[0].size(0))};
               }});
IMRAM_OP_CASE({"cat", "dim1", {F({2, 3}), F({2, 1}), F({2, 4})}, [](const V& x) {
                   return V{cat({x[0], x[1], x[2]}, 1)};
               }});
IMRAM_OP_CASE({"cat", "dim0 strided", {F({2, 3}), F({2, 2})}, [](const V& x) {
                   return V{cat({transpose(x[0], 0, 1), x[1]}, 0)};
               }});
IMRAM_OP_CASE({"stack", "new middle", {F({3, 4}), F({3, 4})}, [](const V& x) { return V{stack({x[0], x[1]}, 1)}; }});

IMRAM_OP_CASE({"index_select", "rows with repeats", {F({5, 3}), Idx({7}, 5)}, [](const V& x) {
                   return V{index_select(x[0], 0, x[1])};
               }});
IMRAM_OP_CASE({"index_select", "middle dim", {F({2, 6, 3}), Idx({4}, 6)}, [](const V& x) {
                   return V{index_select(x[0], 1, x[1])};
               }});
IMRAM_OP_CASE({"gather", "dim1", {F({3, 5}), Idx({3, 4}, 5)}, [](const V& x) { return V{gather(x[0], 1, x[1])}; }});
IMRAM_OP_CASE({"gather", "dim0 3d", {F({4, 2, 3}), Idx({6, 2, 3}, 4)}, [](const V& x) {
                   return V{gather(x[0], 0, x[1])};
               }});
IMRAM_OP_CASE({"embedding", "ragged ids", {F({9, 4}), Idx({2, 5}, 9)}, [](const V& x) {
                   return V{embedding(x[0], x[1])};
               }});

TEST_CASE("views share storage and compose", "[op][layout]") {
    Tensor x = from_vector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
    Tensor t = transpose(x, 0, 1);
    CHECK(t.shape() == Shape{3, 2});
    CHECK_FALSE(t.is_contiguous());
    CHECK(t.to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});
    CHECK(t.raw_data() == x.raw_data());
    CHECK(slice(x, 1, 1, 3).to_vector<float>() == std::vector<float>{1, 2, 4, 5});
    CHECK(reshape(x, {3, -1}).shape() == Shape{3, 2});
    CHECK(cat({x, x}, 0).shape() == Shape{4, 3});
    CHECK(stack({x, x}, 0).shape() == Shape{2, 2, 3});
    CHECK(expand(from_vector<float>({7}, {1}), {2, 2}).to_vector<float>() == std::vector<float>{7, 7, 7, 7});
}

TEST_CASE("embedding: repeated ids accumulate gradient (scatter-add)", "[op][embedding]") {
    Tensor w = zeros({3, 2}, DType::F64, Device::ref()).set_requires_grad();
    Tensor ids = from_vector<std::int64_t>({2, 0, 2}, {3}, Device::ref());
    sum(embedding(w, ids)).backward();
    CHECK(w.grad().to_vector<double>() == std::vector<double>{1, 1, 0, 0, 2, 2});
}
