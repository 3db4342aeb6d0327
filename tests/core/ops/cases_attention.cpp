// SPDX-License-Identifier: MIT
// Cases for the fused clipped attention, and its agreement with the same maths composed of basic ops.
#include <catch2/catch.hpp>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

IMRAM_OP_CASE({"clipped_attention", "no masks", {F({3, 5, 4})}, [](const V& x) {
                   return V{clipped_attention(x[0], Tensor(), Tensor(), 9.0)};
               }});
IMRAM_OP_CASE({"clipped_attention", "query pads", {F({2, 6, 5}), Mask({2, 5}, 0.7)}, [](const V& x) {
                   return V{clipped_attention(x[0], x[1], Tensor(), 4.0)};
               }});
IMRAM_OP_CASE({"clipped_attention", "context pads", {F({3, 7, 3}), Mask({3, 7}, 0.6)}, [](const V& x) {
                   return V{clipped_attention(x[0], Tensor(), x[1], 9.0)};
               }});

namespace {
/// The same attention from basic ops (as models/imram/attention.cpp composed it before the fusion).
Tensor composed(const Tensor& A, const Tensor& q_valid, const Tensor& c_valid, double lambda) {
    Tensor a = leaky_relu(A, 0.1);
    if (q_valid.defined()) {
        std::vector<std::uint8_t> inv = q_valid.to_vector<std::uint8_t>();
        for (auto& b : inv) b = b ? 0 : 1;
        a = masked_fill(a, unsqueeze(from_vector(inv, q_valid.shape(), A.device()), 1), 0.0);
    }
    a = l2norm(a);
    return softmax(mul(transpose(a, 1, 2), lambda), -1, c_valid.defined() ? unsqueeze(c_valid, 1) : Tensor());
}
}  // namespace

TEST_CASE("clipped_attention: equals the composed ops, values and gradients, with both masks", "[op][attention]") {
    for (Device dev : {Device::ref(), Device::cpu()}) {
        Tensor A = randn({4, 6, 5}, 3, 0, DType::F64, Device::ref()).to(dev);
        Tensor qv = from_vector<std::uint8_t>({1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0}, {4, 5}, dev);
        Tensor cv = from_vector<std::uint8_t>({1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0},
                                              {4, 6}, dev);  // pair 2 has no valid context: zeros
        Tensor a1 = A.clone().detach().set_requires_grad(), a2 = A.clone().detach().set_requires_grad();
        const Tensor w = randn({4, 5, 6}, 5, 0, DType::F64, Device::ref()).to(dev);
        const Tensor f = clipped_attention(a1, qv, cv, 9.0), c = composed(a2, qv, cv, 9.0);
        CHECK(diff(f, c).max_abs < 1e-13);
        sum(mul(f, w)).backward();
        sum(mul(c, w)).backward();
        CHECK(diff(a1.grad(), a2.grad()).max_abs < 1e-12);
    }
    CHECK_THROWS_WITH(clipped_attention(zeros({2, 3, 4}), zeros({2, 3}, DType::Bool), Tensor(), 9.0),
                      Catch::Contains("q_valid") && Catch::Contains("[2, 4]"));
}
