// SPDX-License-Identifier: MIT
// Cases for layer_norm (PyTorch's LayerNorm over the last dim), and its agreement with the same maths
// composed of basic ops. The PyTorch golden is tests/nn/test_layers.cpp (nn::LayerNorm).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {

Tensor composed_layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps) {
    const Tensor c = sub(x, mean(x, {-1}, true));
    const Tensor y = div(c, sqrt(add(mean(mul(c, c), {-1}, true), eps)));
    return w.defined() ? add(mul(y, w), b) : y;
}

}  // namespace

// ---- layer_norm: x (..., D), weight and bias (D)
IMRAM_OP_CASE({"layer_norm", "affine", {F({2, 3, 6}), F({6}, 0.5, 1.5), F({6})}, [](const V& x) {
                   return V{layer_norm(x[0], x[1], x[2])};
               }});
IMRAM_OP_CASE({"layer_norm", "plain", {F({4, 5}, -3.0, 3.0)}, [](const V& x) {
                   return V{layer_norm(x[0], Tensor(), Tensor())};
               }});
// Rows longer than a CUDA block has threads, and more rows than a cpu column block.
IMRAM_OP_CASE({"layer_norm", "long rows", {F({3, 300}), F({300}), F({300})}, [](const V& x) {
                   return V{layer_norm(x[0], x[1], x[2], 1e-3)};
               }});

TEST_CASE("layer_norm: equals the composed form, constant rows and large offsets", "[op][layer_norm]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        for (bool affine : {true, false}) {
            INFO("device " << dev << ", affine " << affine);
            // Row 1 constant (variance 0: y = bias), row 2 offset by 1e4.
            std::vector<double> xv = randn({4, 70}, 41, 0, DType::F64, dev).to_vector<double>();
            for (std::size_t k = 70; k < 140; ++k) xv[k] = 2.5;
            for (std::size_t k = 140; k < 210; ++k) xv[k] += 1e4;
            const Tensor x0 = from_vector(xv, {4, 70}, dev);
            const Tensor w0 = affine ? randn({70}, 42, 0, DType::F64, dev) : Tensor();
            const Tensor b0 = affine ? randn({70}, 43, 0, DType::F64, dev) : Tensor();
            const V a{leaf(x0)}, c{leaf(x0)};
            const Tensor wa = affine ? leaf(w0) : Tensor(), ba = affine ? leaf(b0) : Tensor();
            const Tensor wc = affine ? leaf(w0) : Tensor(), bc = affine ? leaf(b0) : Tensor();
            const Tensor f = layer_norm(a[0], wa, ba), g = composed_layer_norm(c[0], wc, bc, 1e-5);
            CHECK(diff(f, g).max_abs < 1e-12);
            const std::vector<double> fv = f.to_vector<double>();
            for (std::size_t k = 70; k < 140; ++k) CHECK(fv[k] == (affine ? b0.to_vector<double>()[k - 70] : 0.0));
            const Tensor w = randn({4, 70}, 44, 0, DType::F64, dev);
            sum(mul(f, w)).backward();
            sum(mul(g, w)).backward();
            CHECK(diff(a[0].grad(), c[0].grad()).max_abs < 1e-9);
            if (affine) {
                CHECK(diff(wa.grad(), wc.grad()).max_abs < 1e-12);
                CHECK(diff(ba.grad(), bc.grad()).max_abs < 1e-12);
            }
        }
    }
}

TEST_CASE("layer_norm: bad arguments are reported", "[op][errors]") {
    using Catch::Contains;
    CHECK_THROWS_WITH(layer_norm(zeros({2, 0}), Tensor(), Tensor()), Contains("layer_norm: expected x of shape (..., D > 0)"));
    CHECK_THROWS_WITH(layer_norm(zeros({2, 3}), zeros({3}), Tensor()), Contains("both weight and bias"));
    CHECK_THROWS_WITH(layer_norm(zeros({2, 3}), zeros({4}), zeros({4})), Contains("weight and bias must be (3)"));
    CHECK_THROWS_WITH(layer_norm(zeros({2, 3}), Tensor(), Tensor(), 0.0), Contains("eps > 0"));
    CHECK_THROWS_WITH(layer_norm(zeros({2, 3}, DType::I64), Tensor(), Tensor()), Contains("layer_norm"));
}
