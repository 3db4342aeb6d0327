// SPDX-License-Identifier: MIT
// bf16 products (kernels/cpu/bf16.h): the rounding, gemm_bf16 against a double product of the rounded
// inputs (and with a packed weight), the process-wide precision (large float products only, never
// double, and F32 where the
// CPU or the library cannot), the tape precision (linear's forward and backward products), and the
// fused IMRAM scorer in bf16 against fp32.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"
#include "kernels/cpu/bf16.h"
#include "kernels/cpu/blas.h"
#include "kernels/kernels.h"

using namespace imram;
using cpu::bf16_t;
using cpu::GemmPrecision;

namespace {

/// Restores the process's GEMM library and precisions when a test case ends.
struct SettingsGuard {
    cpu::GemmLibrary lib = cpu::gemm_library();
    GemmPrecision precision = cpu::gemm_precision(), tape_precision = cpu::tape_gemm_precision();
    ~SettingsGuard() {
        cpu::set_gemm_library(lib);
        cpu::set_gemm_precision(precision);
        cpu::set_tape_gemm_precision(tape_precision);
    }
};

std::vector<float> random_floats(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> v(n);
    for (float& x : v) x = u(gen);
    return v;
}

bf16_t one_bf16(float x) {
    bf16_t b;
    cpu::to_bf16(&x, 1, &b);
    return b;
}

float rounded(float x) { return cpu::from_bf16(one_bf16(x)); }

/// Requires C (M, N, row stride ldc) = alpha op(A) op(B) + beta C0 to fp32 accumulation of the exact
/// products of the bf16-rounded inputs (a(i, k), b(k, j) read the float inputs), and C's padding
/// columns left as they were in C0.
template <class AAt, class BAt>
void require_rounded_product(std::int64_t M, std::int64_t N, std::int64_t K, float alpha, float beta, AAt a, BAt b,
                             const std::vector<float>& C, const std::vector<float>& C0, std::int64_t ldc) {
    for (std::int64_t i = 0; i < M; ++i) {
        for (std::int64_t j = 0; j < N; ++j) {
            double acc = 0, mag = 0;
            for (std::int64_t k = 0; k < K; ++k) {
                const double p = double(rounded(a(i, k))) * rounded(b(k, j));
                acc += p, mag += std::abs(p);
            }
            const double c0 = beta == 0.f ? 0.0 : C0[i * ldc + j];
            const double err = std::abs(C[i * ldc + j] - (alpha * acc + beta * c0));
            // fp32 accumulation of exact bf16 x bf16 products
            REQUIRE(err <= 2.0 * (K + 2) * 1.2e-7 * (std::abs(alpha) * mag + std::abs(beta * c0)) + 1e-30);
        }
        for (std::int64_t j = N; j < ldc; ++j)  // padding untouched
            REQUIRE(((std::isnan(C[i * ldc + j]) && std::isnan(C0[i * ldc + j])) || C[i * ldc + j] == C0[i * ldc + j]));
    }
}

}  // namespace

TEST_CASE("bf16: rounding to nearest, ties to even", "[op][bf16]") {
    CHECK(one_bf16(1.f) == 0x3f80);
    CHECK(one_bf16(-2.f) == 0xc000);
    CHECK(cpu::from_bf16(0x3f80) == 1.f);
    const float ulp = std::ldexp(1.f, -7);  // bf16 spacing at 1
    CHECK(rounded(1.f + ulp) == 1.f + ulp);
    CHECK(rounded(1.f + 0.49f * ulp) == 1.f);
    CHECK(rounded(1.f + 0.51f * ulp) == 1.f + ulp);
    CHECK(rounded(1.f + 0.5f * ulp) == 1.f);                   // tie: to the even 1.0
    CHECK(rounded(1.f + 1.5f * ulp) == 1.f + 2.f * ulp);       // tie: to the even neighbour above
    CHECK(std::isinf(rounded(std::numeric_limits<float>::infinity())));
    CHECK(std::isnan(rounded(std::numeric_limits<float>::quiet_NaN())));
    CHECK(std::isnan(rounded(-std::numeric_limits<float>::quiet_NaN())));
    CHECK(std::isinf(rounded(std::numeric_limits<float>::max())));  // rounds up past the largest bf16
}

TEST_CASE("bf16: products against a double product of the rounded inputs", "[op][bf16]") {
    if (!cpu::bf16_available()) {
        // The documented refusal where the CPU or library has no fast bf16.
        std::vector<bf16_t> a(4, 0x3f80), b(4, 0x3f80);
        std::vector<float> c(4);
        CHECK_THROWS_WITH(cpu::gemm_bf16(false, false, 2, 2, 2, 1.f, a.data(), 2, b.data(), 2, 0.f, c.data(), 2),
                          Catch::Contains("no fast bf16"));
        return;
    }
    struct Case {
        bool ta, tb;
        std::int64_t M, N, K;
        float alpha, beta;
    };
    for (const Case& s : {Case{false, false, 70, 90, 130, 1.f, 0.f}, Case{true, false, 64, 33, 257, -2.f, 1.f},
                          Case{false, true, 5, 300, 64, 1.f, 0.5f}, Case{true, true, 129, 17, 40, 0.5f, 0.f}}) {
        INFO("M " << s.M << " N " << s.N << " K " << s.K << " ta " << s.ta << " tb " << s.tb);
        const std::int64_t a_rows = s.ta ? s.K : s.M, a_cols = s.ta ? s.M : s.K;
        const std::int64_t b_rows = s.tb ? s.N : s.K, b_cols = s.tb ? s.K : s.N, ldc = s.N + 3;
        const auto A = random_floats(static_cast<std::size_t>(a_rows * a_cols), 11);
        const auto B = random_floats(static_cast<std::size_t>(b_rows * b_cols), 12);
        std::vector<float> C = random_floats(static_cast<std::size_t>(s.M * ldc), 13);
        if (s.beta == 0.f) std::fill(C.begin(), C.end(), std::numeric_limits<float>::quiet_NaN());
        const std::vector<float> C0 = C;
        cpu::gemm_bf16_ab(s.ta, s.tb, s.M, s.N, s.K, s.alpha, A.data(), a_cols, B.data(), b_cols, s.beta, C.data(), ldc);
        require_rounded_product(
            s.M, s.N, s.K, s.alpha, s.beta,
            [&](std::int64_t i, std::int64_t k) { return s.ta ? A[k * a_cols + i] : A[i * a_cols + k]; },
            [&](std::int64_t k, std::int64_t j) { return s.tb ? B[j * b_cols + k] : B[k * b_cols + j]; }, C, C0, ldc);
    }
}

TEST_CASE("bf16: products with a packed weight against a double product of the rounded inputs", "[op][bf16]") {
    CHECK_THROWS_WITH(cpu::gemm_bf16_packed(1, nullptr, 1, cpu::Bf16PackedWeight(), 0.f, nullptr, 1),
                      Catch::Contains("empty"));
    const std::int64_t K = 256, N = 192;
    const auto W = random_floats(static_cast<std::size_t>(K * (N + 5)), 21);  // leading dimension N + 5
    if (!cpu::bf16_available()) {
        CHECK_THROWS_WITH(cpu::Bf16PackedWeight(W.data(), K, N, N + 5), Catch::Contains("no fast bf16"));
        return;
    }
    const cpu::Bf16PackedWeight packed(W.data(), K, N, N + 5);
    for (const std::int64_t M : {std::int64_t{1}, std::int64_t{37}, std::int64_t{300}}) {
        for (const float beta : {0.f, 1.f}) {
          for (const std::int64_t ldc : {N, N + 2}) {  // N + 2: oneDNN 2.6 then wants the plain copy
            INFO("M " << M << " beta " << beta << " ldc " << ldc);
            const std::int64_t lda = K + 3;
            const auto A = random_floats(static_cast<std::size_t>(M * lda), 22);
            std::vector<float> C = random_floats(static_cast<std::size_t>(M * ldc), 23);
            if (beta == 0.f) std::fill(C.begin(), C.end(), std::numeric_limits<float>::quiet_NaN());
            const std::vector<float> C0 = C;
            const bool read_packed = cpu::gemm_bf16_packed(M, A.data(), lda, packed, beta, C.data(), ldc);
            if (ldc == N && !read_packed) WARN("this CPU's bf16 matmul wants another layout: the plain copy ran");
            require_rounded_product(
                M, N, K, 1.f, beta, [&](std::int64_t i, std::int64_t k) { return A[i * lda + k]; },
                [&](std::int64_t k, std::int64_t j) { return W[k * (N + 5) + j]; }, C, C0, ldc);
          }
        }
    }
}

TEST_CASE("bf16: the process-wide precision routes large weight products only", "[op][bf16]") {
    const SettingsGuard guard;
    const std::int64_t M = 128, N = 128, K = 128;  // 2^21 multiply-adds: above kBf16MinWork
    const auto A = random_floats(static_cast<std::size_t>(M * K), 21), B = random_floats(static_cast<std::size_t>(K * N), 22);
    auto product = [&](std::int64_t m, bool weight) {
        std::vector<float> C(static_cast<std::size_t>(m * N));
        cpu::gemm(GemmArgs<float>{false, false, m, N, K, 1.f, A.data(), K, 0, B.data(), N, 0, 0.f, C.data(), N, 0, 1,
                                  weight});
        return C;
    };
    REQUIRE(cpu::set_gemm_precision(GemmPrecision::F32) == GemmPrecision::F32);
    const auto big32 = product(M, true), small32 = product(2, true);  // 2 x 128 x 128: below the threshold
    CHECK(product(M, false) == big32);
    const GemmPrecision got = cpu::set_gemm_precision(GemmPrecision::BF16);
    REQUIRE(cpu::gemm_precision() == got);
    if (!cpu::bf16_available()) {
        CHECK(got == GemmPrecision::F32);  // the fallback the CLI reports
        CHECK(product(M, true) == big32);
        return;
    }
    REQUIRE(got == GemmPrecision::BF16);
    const auto big16 = product(M, true);
    CHECK(product(2, true) == small32);  // small products stay fp32, bit for bit
    CHECK(product(M, false) == big32);   // so do products of two activations
    double diff = 0;
    for (std::size_t i = 0; i < big16.size(); ++i) diff = std::max(diff, static_cast<double>(std::abs(big16[i] - big32[i])));
    CHECK(diff > 0);  // the bf16 path ran
    // inputs of 8 significant bits: each term off by up to 2^-8 of itself, |terms| <= 1, about K / 2 of them
    CHECK(diff < std::ldexp(1.0, -8) * std::sqrt(static_cast<double>(K)) * 3.0);

    // The op level: `linear` without the tape rounds; matmul, and linear under the tape, do not.
    const Tensor x = randn({M, K}, 23), w = randn({N, K}, 24);
    std::vector<float> lin16, mm16, taped16;
    {
        NoGradGuard ng;
        lin16 = linear(x, w).to_vector<float>();
        mm16 = matmul(x, transpose(w, 0, 1)).to_vector<float>();
    }
    const Tensor wg = w.detach().set_requires_grad();
    taped16 = linear(x, wg).to_vector<float>();
    cpu::set_gemm_precision(GemmPrecision::F32);
    std::vector<float> lin32;
    {
        NoGradGuard ng;
        lin32 = linear(x, w).to_vector<float>();
    }
    CHECK(lin16 != lin32);
    CHECK(taped16 == lin32);
    for (std::size_t i = 0; i < mm16.size(); ++i) REQUIRE(std::abs(mm16[i] - lin32[i]) <= 1e-4f * (1.f + std::abs(lin32[i])));

    // A library without bf16 turns the precision off.
    cpu::set_gemm_library(cpu::GemmLibrary::Eigen);
    CHECK(cpu::set_gemm_precision(GemmPrecision::BF16) == GemmPrecision::F32);
}

namespace {

/// The (M, N) product of a (M, K) and b^T (b: (N, K)), or of a^T and b when the first is given
/// transposed (a: (K, M), b: (K, N)), in double over the inputs rounded to bf16.
std::vector<double> rounded_product(const std::vector<float>& a, const std::vector<float>& b, std::int64_t M,
                                    std::int64_t N, std::int64_t K, bool a_transposed) {
    std::vector<double> out(static_cast<std::size_t>(M * N), 0.0);
    for (std::int64_t i = 0; i < M; ++i)
        for (std::int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (std::int64_t k = 0; k < K; ++k) {
                const float x = a_transposed ? a[k * M + i] : a[i * K + k], y = a_transposed ? b[k * N + j] : b[j * K + k];
                acc += static_cast<double>(rounded(x)) * static_cast<double>(rounded(y));
            }
            out[i * N + j] = acc;
        }
    return out;
}

/// The largest |got - want| over the largest |want|.
double relative_gap(const std::vector<float>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    double gap = 0, scale = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        gap = std::max(gap, std::abs(static_cast<double>(got[i]) - want[i]));
        scale = std::max(scale, std::abs(want[i]));
    }
    return gap / scale;
}

}  // namespace

TEST_CASE("bf16: the tape precision rounds linear's forward and both backward products", "[op][bf16]") {
    const SettingsGuard guard;
    const std::int64_t M = 96, N = 160, K = 128;  // every product >= 2^20 multiply-adds (kBf16MinWork)
    const Tensor x0 = randn({M, K}, 61), w0 = randn({N, K}, 62), g0 = randn({M, N}, 63);
    struct Run {
        std::vector<float> y, dx, dw, mm;
    };
    auto run = [&] {
        const Tensor x = x0.detach().set_requires_grad(), w = w0.detach().set_requires_grad();
        const Tensor y = linear(x, w);
        sum(mul(y, g0)).backward();  // dY = g0: dX = g0 W, dW = g0^T X
        Run r{y.to_vector<float>(), x.grad().to_vector<float>(), w.grad().to_vector<float>(), {}};
        const Tensor xm = x0.detach().set_requires_grad();
        r.mm = matmul(xm, transpose(w0, 0, 1)).to_vector<float>();  // a product of the tape, not a layer's
        return r;
    };
    cpu::set_gemm_precision(GemmPrecision::F32);
    REQUIRE(cpu::set_tape_gemm_precision(GemmPrecision::F32) == GemmPrecision::F32);
    const Run f32 = run();
    // The no-tape precision alone leaves the tape in fp32, bit for bit.
    if (cpu::set_gemm_precision(GemmPrecision::BF16) == GemmPrecision::BF16) {
        const Run mining = run();
        CHECK(mining.y == f32.y);
        CHECK(mining.dx == f32.dx);
        CHECK(mining.dw == f32.dw);
        cpu::set_gemm_precision(GemmPrecision::F32);
    }
    const GemmPrecision got = cpu::set_tape_gemm_precision(GemmPrecision::BF16);
    REQUIRE(cpu::tape_gemm_precision() == got);
    if (!cpu::bf16_available()) {
        CHECK(got == GemmPrecision::F32);  // the fallback `imram train --bf16_tape` reports
        const Run same = run();
        CHECK(same.y == f32.y);
        CHECK(same.dw == f32.dw);
        return;
    }
    REQUIRE(got == GemmPrecision::BF16);
    const Run b16 = run();
    {  // Without a tape, linear keeps the no-tape precision (fp32 here).
        NoGradGuard ng;
        CHECK(linear(x0, w0).to_vector<float>() == f32.y);
    }
    CHECK(b16.mm == f32.mm);  // products of two activations stay fp32
    const std::vector<float> x = x0.to_vector<float>(), w = w0.to_vector<float>(), g = g0.to_vector<float>();
    // Each product equals the exact product of its rounded inputs up to fp32 accumulation; the fp32
    // results are off it by the inputs' rounding, a hundred times more.
    const std::vector<double> y_ref = rounded_product(x, w, M, N, K, false);
    std::vector<float> w_t(static_cast<std::size_t>(K * N));  // dX = g W: g (M, N) by W (N, K), W^T as "b"
    for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t k = 0; k < K; ++k) w_t[k * N + n] = w[n * K + k];
    const std::vector<double> dx_ref = rounded_product(g, w_t, M, K, N, false);
    const std::vector<double> dw_ref = rounded_product(g, x, N, K, M, true);  // dW = g^T X
    for (const auto& [name, got16, got32, want] :
         {std::tuple{"y", &b16.y, &f32.y, &y_ref}, std::tuple{"dx", &b16.dx, &f32.dx, &dx_ref},
          std::tuple{"dw", &b16.dw, &f32.dw, &dw_ref}}) {
        INFO(name);
        CHECK(relative_gap(*got16, *want) < 1e-5);
        CHECK(relative_gap(*got32, *want) > 1e-4);
    }
}

TEST_CASE("bf16: the fused IMRAM scorer in bf16 stays close to fp32", "[op][bf16]") {
    const SettingsGuard guard;
    const std::int64_t Ni = 4, R = 36, Nc = 24, L = 12, D = 256;
    const Tensor images = randn({Ni, R, D}, 31), captions = randn({Nc, L, D}, 32);
    std::vector<std::int64_t> lengths;
    for (std::int64_t j = 0; j < Nc; ++j) lengths.push_back(4 + j % (L - 3));
    auto unit = [&](std::uint64_t seed) {
        return MemoryUnitWeights{mul(randn({D, 2 * D}, seed), 0.05), mul(randn({D}, seed + 1), 0.05),
                                 mul(randn({D, 2 * D}, seed + 2), 0.05), mul(randn({D}, seed + 3), 0.05)};
    };
    const MemoryUnitWeights t2i = unit(40), i2t = unit(50);
    ImramScoreSettings s;
    s.steps = 3, s.normalize_memory = false;
    NoGradGuard ng;
    cpu::set_gemm_precision(GemmPrecision::F32);
    const std::vector<float> s32 = imram_score_all(images, captions, lengths, t2i, i2t, s).to_vector<float>();
    if (cpu::set_gemm_precision(GemmPrecision::BF16) != GemmPrecision::BF16) return;  // checked above
    const std::vector<float> s16 = imram_score_all(images, captions, lengths, t2i, i2t, s).to_vector<float>();
    REQUIRE(s16.size() == s32.size());
    double diff = 0, spread = 0;
    for (std::size_t i = 0; i < s32.size(); ++i) {
        diff = std::max(diff, static_cast<double>(std::abs(s16[i] - s32[i])));
        spread = std::max(spread, static_cast<double>(std::abs(s32[i] - s32[0])));
    }
    INFO("largest difference " << diff << ", spread of the fp32 scores " << spread);
    CHECK(diff > 0);
    CHECK(diff < 0.01 * spread);
}
