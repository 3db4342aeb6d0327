// SPDX-License-Identifier: MIT
// The memory unit's gate row (kernels/cpu/gate_row.h): the portable kernel and, on a CPU with AVX-512,
// the hand-vectorised one, against the formula in double; lengths with and without a partial last
// vector, out of place and in place, large and tiny pre-activations, with and without the l2
// normalisation.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/gate_row.h"

namespace {

using Kernel = void (*)(float*, const float*, const float*, const float*, std::int64_t, bool);

std::vector<double> reference(const std::vector<float>& q, const std::vector<float>& pre, const std::vector<float>& add,
                              std::int64_t D, bool normalize) {
    std::vector<double> y(static_cast<std::size_t>(D));
    double sq = 0;
    for (std::int64_t d = 0; d < D; ++d) {
        const double o = std::tanh(double(pre[d]) + double(add[d]));
        const double g = 1.0 / (1.0 + std::exp(-(double(pre[D + d]) + double(add[D + d]))));
        y[d] = g * q[d] + (1 - g) * o;
        sq += y[d] * y[d];
    }
    if (normalize)
        for (double& v : y) v /= std::sqrt(sq) + 1e-8;
    return y;
}

void check_kernel(Kernel k, const char* name) {
    std::mt19937 gen(7);
    for (const std::int64_t D : {1, 15, 16, 17, 33, 1024}) {
        for (const double scale : {1e-5, 0.3, 3.0, 40.0, 200.0}) {
            std::normal_distribution<float> n(0.f, static_cast<float>(scale));
            std::vector<float> q(D), pre(2 * D), add(2 * D);
            for (float& v : q) v = std::normal_distribution<float>(0.f, 1.f)(gen);
            for (float& v : pre) v = n(gen);
            for (float& v : add) v = n(gen) * 0.5f;
            for (const bool normalize : {false, true}) {
                const std::vector<double> want = reference(q, pre, add, D, normalize);
                std::vector<float> out(D + 1, -7.f);  // one value past the row: never written
                k(out.data(), q.data(), pre.data(), add.data(), D, normalize);
                std::vector<float> inplace = q;  // out == q_in
                k(inplace.data(), inplace.data(), pre.data(), add.data(), D, normalize);
                for (std::int64_t d = 0; d < D; ++d) {
                    INFO(name << ": D " << D << ", scale " << scale << ", normalize " << normalize << ", d " << d
                              << ": got " << out[d] << ", want " << want[d]);
                    REQUIRE(std::abs(out[d] - want[d]) <= 1e-6 * (1 + std::abs(want[d])));
                    // In place: as close (not always the same bits: Eigen's vector and scalar paths
                    // split a row by the destination's alignment).
                    REQUIRE(std::abs(inplace[d] - want[d]) <= 1e-6 * (1 + std::abs(want[d])));
                }
                REQUIRE(out[D] == -7.f);
            }
        }
    }
}

}  // namespace

TEST_CASE("gate_row: the portable kernel against the formula in double", "[op][gate_row]") {
    check_kernel(&imram::cpu::gate_row_portable, "portable");
}

TEST_CASE("gate_row: the AVX-512 kernel against the formula in double", "[op][gate_row]") {
    if (!imram::cpu::gate_row_has_avx512()) {
        WARN("this CPU has no AVX-512: gate_row runs the portable kernel, checked above");
        return;
    }
    check_kernel(&imram::cpu::gate_row_avx512, "avx512");
    check_kernel([](float* o, const float* q, const float* p, const float* a, std::int64_t D, bool n) {
        imram::cpu::gate_row(o, q, p, a, D, n);
    }, "dispatched");
}
