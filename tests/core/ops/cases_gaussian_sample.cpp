// SPDX-License-Identifier: MIT
// Cases for gaussian_sample (PCME's reparameterised draws), and its agreement with the same maths
// composed of basic ops.
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {

/// Standard-normal-like draws as an input of the case: values, not a variable (no gradient is checked).
InputSpec draws(Shape s) {
    InputSpec in = F(std::move(s), -2.0, 2.0);
    in.no_grad = true;
    return in;
}

Tensor composed_sample(const Tensor& mu, const Tensor& logsig, const Tensor& eps) {
    return add(unsqueeze(mu, 1), mul(unsqueeze(exp(logsig), 1), eps));
}

}  // namespace

// ---- gaussian_sample: mu, logsig (N, D), eps (N, K, D)
IMRAM_OP_CASE({"gaussian_sample", "K draws", {F({3, 5}), F({3, 5}, -2.0, 1.0), draws({3, 7, 5})}, [](const V& x) {
                   return V{gaussian_sample(x[0], x[1], x[2])};
               }});
IMRAM_OP_CASE({"gaussian_sample", "one draw, wide", {F({2, 300}), F({2, 300}), draws({2, 1, 300})}, [](const V& x) {
                   return V{gaussian_sample(x[0], x[1], x[2])};
               }});

TEST_CASE("gaussian_sample: equals the composed mu + exp(logsig) eps, with draws from the seed", "[op][gaussian_sample]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        INFO("device " << dev);
        const Tensor mu0 = randn({4, 9}, 51, 0, DType::F64, dev);
        const Tensor ls0 = mul(randn({4, 9}, 52, 0, DType::F64, dev), 3.0);  // sigma from e^-9 to e^9
        const Tensor eps = randn({4, 7, 9}, 53, 0, DType::F64, dev);
        const V a{leaf(mu0), leaf(ls0)}, b{leaf(mu0), leaf(ls0)};
        const Tensor f = gaussian_sample(a[0], a[1], eps), c = composed_sample(b[0], b[1], eps);
        CHECK(diff(f, c).rel() < 1e-15);
        const Tensor w = randn({4, 7, 9}, 54, 0, DType::F64, dev);
        sum(mul(f, w)).backward();
        sum(mul(c, w)).backward();
        for (int i = 0; i < 2; ++i) {
            INFO("input " << i << ": " << describe_diff(diff(a[i].grad(), b[i].grad()), a[i].grad(), b[i].grad()));
            CHECK(diff(a[i].grad(), b[i].grad()).rel() < 1e-13);
        }
        // The same seed and offset give the same draws on every backend: a run's samples are reproducible.
        CHECK(diff(eps.to(Device::ref()), randn({4, 7, 9}, 53, 0, DType::F64, Device::ref())).max_abs == 0);
    }
}

TEST_CASE("gaussian_sample: bad shapes are reported", "[op][errors]") {
    using Catch::Contains;
    CHECK_THROWS_WITH(gaussian_sample(zeros({3}), zeros({3}), zeros({1, 1, 3})), Contains("expected mu of shape (N, D > 0)"));
    CHECK_THROWS_WITH(gaussian_sample(zeros({2, 3}), zeros({2, 4}), zeros({2, 1, 3})), Contains("logsig must have mu's shape"));
    CHECK_THROWS_WITH(gaussian_sample(zeros({2, 3}), zeros({2, 3}), zeros({2, 0, 3})), Contains("eps must be (2, K > 0, 3)"));
    CHECK_THROWS_WITH(gaussian_sample(zeros({2, 3}), zeros({2, 3}), zeros({3, 1, 3})), Contains("eps must be"));
}
