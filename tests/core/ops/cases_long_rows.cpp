// SPDX-License-Identifier: MIT
// Edge cases aimed at the parallel kernels (CUDA blocks of 128 threads, OpenMP splits): rows longer
// than a block so every thread loops and all warps meet in the block reduction, fully masked rows,
// and zero vectors where a norm is 0.
#include <catch2/catch.hpp>

#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {
/// Zeroes row `r` of a (rows, D) tensor by a broadcast multiply, so a case can hold a zero vector.
Tensor zero_row(const Tensor& x, std::int64_t rows, std::int64_t r) {
    std::vector<double> s(static_cast<std::size_t>(rows), 1.0);
    s[static_cast<std::size_t>(r)] = 0.0;
    return mul(x, from_vector(s, {rows, 1}, Device::cpu()).to(x.dtype()).to(x.device()));
}
}  // namespace

IMRAM_OP_CASE({"sum", "long rows", {F({3, 300})}, [](const V& x) { return V{sum(x[0], {1})}; }});
IMRAM_OP_CASE({"max", "long rows", {F({2, 301})}, [](const V& x) {
                   const MaxResult m = max(x[0], 1);
                   return V{m.values, m.indices};
               }});
IMRAM_OP_CASE({"norm", "long rows with a zero row", {F({3, 257})}, [](const V& x) {
                   return V{norm(zero_row(x[0], 3, 1), -1)};
               }});
IMRAM_OP_CASE({"softmax", "long rows, masked", {F({3, 300}, -4, 4), Mask({3, 300}, 0.5)}, [](const V& x) {
                   return V{softmax(x[0], 1, x[1])};
               }});
IMRAM_OP_CASE({"softmax", "every position masked", {F({2, 5}), Mask({2, 5}, 0.0)}, [](const V& x) {
                   return V{softmax(x[0], 1, x[1])};
               }});
IMRAM_OP_CASE({"l2norm", "long rows with a zero row", {F({3, 300})}, [](const V& x) {
                   return V{l2norm(zero_row(x[0], 3, 2))};
               }});
IMRAM_OP_CASE({"cosine_similarity", "long rows with a zero row", {F({3, 300}), F({3, 300})}, [](const V& x) {
                   return V{cosine_similarity(zero_row(x[0], 3, 0), x[1])};
               }});
IMRAM_OP_CASE({"clipped_attention", "long context, all context padded in one pair",
               {F({2, 140, 40}), Mask({2, 40}, 0.8), Mask({2, 140}, 0.9)}, [](const V& x) {
                   // Pair 1 loses every context position: its weights must all be 0.
                   Tensor cv = x[2].detach().to(Device::cpu()).contiguous().clone();
                   std::uint8_t* m = cv.data<std::uint8_t>();
                   for (std::int64_t s = 140; s < 280; ++s) m[s] = 0;
                   return V{clipped_attention(x[0], x[1], cv.to(x[2].device()), 4.0)};
               }});
IMRAM_OP_CASE({"gated_memory", "long rows", {F({3, 300}), F({3, 600}, -3.0, 3.0)}, [](const V& x) {
                   return V{gated_memory(x[0], x[1], true)};
               }});
