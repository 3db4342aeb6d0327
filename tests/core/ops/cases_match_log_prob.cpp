// SPDX-License-Identifier: MIT
// Cases for match_log_prob (PCME's log match probability over K x J sample pairs), and its agreement with
// the same maths composed of basic ops (in the stable log-sum-exp form).
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/testing/compare.h"
#include "tests/testing/op_cases.h"

using namespace imram;
using namespace imram::testing;
using V = std::vector<Tensor>;

namespace {

/// positive[n, m] = 1 where n == m or n + m == 4, else 0: a few positives per row, some rows without.
Tensor diagonal_mask(std::int64_t N, std::int64_t M, DType dtype, Device dev) {
    std::vector<double> v(static_cast<std::size_t>(N * M));
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t m = 0; m < M; ++m)
            v[static_cast<std::size_t>(n * M + m)] = (n == m || n + m == 4) ? 1.0 : 0.0;
    return from_vector(v, {N, M}, Device::ref()).to(dtype).to(dev);
}

/// The scalars a and b kept where the sigmoids are not saturated.
InputSpec scalar() {
    return F({1}, 0.5, 2.0);
}

/// log-sigmoid as min(x, 0) - log(1 + exp(-|x|)): finite for any x, with its gradient sigmoid(-x).
Tensor composed_log_sigmoid(const Tensor& x) {
    const Tensor abs_x = add(relu(x), relu(neg(x)));
    return sub(neg(relu(neg(x))), log(add(exp(neg(abs_x)), 1.0)));
}

/// The op's maths from basic ops: differences, log-sigmoids, a max-shifted log-sum-exp.
Tensor composed(const Tensor& za, const Tensor& zb, const Tensor& a, const Tensor& b, const Tensor& positive) {
    const std::int64_t N = za.size(0), K = za.size(1), D = za.size(2), M = zb.size(0), J = zb.size(1);
    const Tensor diff = sub(reshape(za, {N, 1, K, 1, D}), reshape(zb, {1, M, 1, J, D}));
    const Tensor d = sqrt(add(sum(mul(diff, diff), {4}), 1e-6));  // (N, M, K, J)
    const Tensor s = add(mul(d, neg(a)), b);
    Tensor x = mul(s, 2.0);
    if (positive.defined()) x = mul(x, reshape(add(mul(positive, 2.0), -1.0), {N, M, 1, 1}));
    const Tensor v = reshape(composed_log_sigmoid(x), {N, M, K * J});
    const Tensor mx = max(v, 2, true).values.detach();
    const Tensor lse = add(squeeze(log(sum(exp(sub(v, mx)), {2}, true)), 2), squeeze(mx, 2));
    return add(lse, -std::log(static_cast<double>(K * J)));
}

/// log(mean sigmoid(2 sigma s)) as written: underflows to -inf for far-apart positive pairs.
Tensor naive(const Tensor& za, const Tensor& zb, const Tensor& a, const Tensor& b) {
    const std::int64_t N = za.size(0), K = za.size(1), D = za.size(2), M = zb.size(0), J = zb.size(1);
    const Tensor diff = sub(reshape(za, {N, 1, K, 1, D}), reshape(zb, {1, M, 1, J, D}));
    const Tensor s = add(mul(sqrt(add(sum(mul(diff, diff), {4}), 1e-6)), neg(a)), b);
    return log(mean(reshape(sigmoid(mul(s, 2.0)), {N, M, K * J}), {2}));
}

}  // namespace

// ---- match_log_prob: za (N, K, D), zb (M, J, D), a, b (1), positive (N, M) 0/1 or undefined
IMRAM_OP_CASE({"match_log_prob",
               "all positive, K != J",
               {F({3, 4, 5}), F({4, 2, 5}), scalar(), scalar()},
               [](const V& x) { return V{match_log_prob(x[0], x[1], x[2], x[3])}; }});
IMRAM_OP_CASE(
    {"match_log_prob", "diagonal positives, N != M", {F({3, 2, 6}), F({5, 3, 6}), scalar(), scalar()}, [](const V& x) {
         return V{match_log_prob(x[0], x[1], x[2], x[3], diagonal_mask(3, 5, x[0].dtype(), x[0].device()))};
     }});
IMRAM_OP_CASE({"match_log_prob",
               "one sample each, wide",
               {F({2, 1, 40}, -0.3, 0.3), F({3, 1, 40}, -0.3, 0.3), scalar(), scalar()},
               [](const V& x) {
                   return V{match_log_prob(x[0], x[1], x[2], x[3], diagonal_mask(2, 3, x[0].dtype(), x[0].device()))};
               }});

TEST_CASE("match_log_prob: equals the composed log-sum-exp of log-sigmoids, values and gradients",
          "[op][match_log_prob]") {
    struct Setup {
        const char* what;
        std::int64_t N, K, M, J, D;
        double offset, spread, a, b;
        bool masked;
    };
    // The saturated setup puts the two sides ~90 apart with a = b = 15: 2 s ~ -2600, where
    // log(mean sigmoid) of the positive pairs is log(0) = -inf in f64. The multi-tile one spans
    // several tiles of the cpu kernel and several row blocks of the emulated cuda kernel.
    const Setup setups[] = {{"unsaturated, masked", 3, 4, 5, 2, 6, 0.0, 1.0, 1.3, 0.7, true},
                            {"unsaturated, all positive", 4, 3, 2, 5, 3, 0.0, 1.0, 0.6, 1.8, false},
                            {"saturated, masked", 3, 3, 4, 2, 5, 20.0, 1.0, 15.0, 15.0, true},
                            {"saturated, all positive", 2, 2, 3, 3, 5, 20.0, 1.0, 15.0, 15.0, false},
                            {"multi-tile, masked", 10, 7, 80, 7, 3, 0.0, 0.5, 1.0, 1.0, true}};
    for (const Setup& st : setups) {
        for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
            INFO(st.what << " on " << dev);
            const Tensor za0 = add(mul(randn({st.N, st.K, st.D}, 61, 0, DType::F64, dev), st.spread), st.offset);
            const Tensor zb0 = add(mul(randn({st.M, st.J, st.D}, 62, 0, DType::F64, dev), st.spread), -st.offset);
            const Tensor a0 = full({1}, st.a, DType::F64, dev), b0 = full({1}, st.b, DType::F64, dev);
            const Tensor pos = st.masked ? diagonal_mask(st.N, st.M, DType::F64, dev) : Tensor();
            // The composed form runs on ref: on cuda_emulated its many tiny row reductions would take minutes.
            const Device r = Device::ref();
            const V x{leaf(za0), leaf(zb0), leaf(a0), leaf(b0)},
                y{leaf(za0.to(r)), leaf(zb0.to(r)), leaf(a0.to(r)), leaf(b0.to(r))};
            const Tensor f = match_log_prob(x[0], x[1], x[2], x[3], pos);
            const Tensor c = composed(y[0], y[1], y[2], y[3], pos.defined() ? pos.to(r) : pos);
            REQUIRE(f.shape() == Shape({st.N, st.M}));
            for (double v : f.to_vector<double>()) CHECK(std::isfinite(v));
            INFO("values: " << describe_diff(diff(f, c), f, c));
            CHECK(diff(f, c).rel() < 1e-12);
            if (st.offset > 0) {
                // The positive pairs' probabilities underflow: only the log-sum-exp form stays finite.
                const Tensor nv = naive(za0.to(r), zb0.to(r), a0.to(r), b0.to(r));
                CHECK(std::isinf(nv.to_vector<double>()[0]));
                CHECK(f.to_vector<double>()[0] < -1000.0);
            }
            const Tensor w = randn({st.N, st.M}, 63, 0, DType::F64, dev);
            sum(mul(f, w)).backward();
            sum(mul(c, w.to(r))).backward();
            for (int i = 0; i < 4; ++i) {
                INFO("input " << i << ": " << describe_diff(diff(x[i].grad(), y[i].grad()), x[i].grad(), y[i].grad()));
                CHECK(diff(x[i].grad(), y[i].grad()).rel() < 1e-10);
                for (double g : x[i].grad().to_vector<double>()) CHECK(std::isfinite(g));
            }
        }
    }
}

TEST_CASE("match_log_prob: no gradient flows into the mask; an empty side gives an empty output",
          "[op][match_log_prob]") {
    for (Device dev : {Device::ref(), Device::cpu(), Device::cuda_emulated()}) {
        INFO("device " << dev);
        const Tensor za = leaf(randn({2, 3, 4}, 71, 0, DType::F64, dev)),
                     zb = leaf(randn({0, 2, 4}, 72, 0, DType::F64, dev));
        const Tensor a = leaf(full({1}, 1.0, DType::F64, dev)), b = leaf(full({1}, 1.0, DType::F64, dev));
        CHECK(match_log_prob(za, zb, a, b).shape() == Shape({2, 0}));
        const Tensor pos = leaf(diagonal_mask(2, 2, DType::F64, dev));
        const Tensor zb2 = randn({2, 2, 4}, 73, 0, DType::F64, dev);
        sum(match_log_prob(za, zb2, a, b, pos)).backward();
        CHECK_FALSE(pos.grad().defined());
    }
}

TEST_CASE("match_log_prob: bad shapes are reported", "[op][errors]") {
    using Catch::Contains;
    const Tensor one = zeros({1});
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 4}), zeros({2, 1, 4}), one, one),
                      Contains("match_log_prob: expected za of shape (N, K > 0, D > 0)"));
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 2, 4}), zeros({2, 1, 5}), one, one),
                      Contains("match_log_prob: zb must be (M, J > 0, 4)"));
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 2, 4}), zeros({2, 4}), one, one), Contains("zb must be"));
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 2, 4}), zeros({2, 1, 4}), zeros({2}), one),
                      Contains("negative_scale must have shape (1)"));
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 2, 4}), zeros({2, 1, 4}), one, zeros({1, 1})),
                      Contains("shift must have shape (1)"));
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 2, 4}), zeros({2, 1, 4}), one, one, zeros({2, 3})),
                      Contains("positive must be (N, M) = (3, 2)"));
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 2, 4}), zeros({2, 1, 4}), one, one, zeros({3, 2}, DType::F64)),
                      Contains("match_log_prob"));
    CHECK_THROWS_WITH(match_log_prob(zeros({3, 2, 4}, DType::I64), zeros({2, 1, 4}, DType::I64), zeros({1}, DType::I64),
                                     zeros({1}, DType::I64)),
                      Contains("match_log_prob"));
}
