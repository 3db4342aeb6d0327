// SPDX-License-Identifier: MIT
// Every GEMM library this build has (kernels/cpu/blas.h) against a plain double-precision product:
// all transpose combinations, padded leading dimensions, alpha and beta, shapes on both sides of the
// size below which products stay on Eigen; the batched, threaded front-end (cpu::gemm) in and outside a
// parallel region; and the IMRAM_GEMM names.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/blas.h"
#include "kernels/kernels.h"

using imram::cpu::GemmLibrary;

namespace {

/// Restores the process's library when a test case ends.
struct LibraryGuard {
    GemmLibrary saved = imram::cpu::gemm_library();
    ~LibraryGuard() { imram::cpu::set_gemm_library(saved); }
};

std::vector<GemmLibrary> built_libraries() {
    std::vector<GemmLibrary> out;
    for (GemmLibrary lib : {GemmLibrary::Eigen, GemmLibrary::OpenBLAS, GemmLibrary::OneDNN})
        if (imram::cpu::gemm_library_built(lib)) out.push_back(lib);
    return out;
}

template <class T>
std::vector<T> random_values(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<T> v(n);
    for (T& x : v) x = static_cast<T>(u(gen));
    return v;
}

struct Shape {
    bool ta, tb;
    std::int64_t M, N, K;
};

/// C = alpha op(A) op(B) + beta C in double, and the bound |alpha| |op(A)| |op(B)| + |beta C| per entry.
template <class T>
void reference_gemm(const Shape& s, double alpha, const std::vector<T>& A, std::int64_t lda, const std::vector<T>& B,
                    std::int64_t ldb, double beta, const std::vector<T>& C0, std::int64_t ldc, std::vector<double>& C,
                    std::vector<double>& bound) {
    C.assign(C0.size(), 0.0);
    bound.assign(C0.size(), 0.0);
    for (std::int64_t i = 0; i < s.M; ++i)
        for (std::int64_t j = 0; j < s.N; ++j) {
            double acc = 0, mag = 0;
            for (std::int64_t k = 0; k < s.K; ++k) {
                const double a = s.ta ? A[k * lda + i] : A[i * lda + k];
                const double b = s.tb ? B[j * ldb + k] : B[k * ldb + j];
                acc += a * b, mag += std::abs(a * b);
            }
            const double c0 = beta == 0 ? 0.0 : static_cast<double>(C0[i * ldc + j]);
            C[i * ldc + j] = alpha * acc + beta * c0;
            bound[i * ldc + j] = std::abs(alpha) * mag + std::abs(beta * c0);
        }
}

template <class T>
void check_blas_gemm(const Shape& s, T alpha, T beta) {
    const std::int64_t a_rows = s.ta ? s.K : s.M, a_cols = s.ta ? s.M : s.K;
    const std::int64_t b_rows = s.tb ? s.N : s.K, b_cols = s.tb ? s.K : s.N;
    const std::int64_t lda = a_cols + 3, ldb = b_cols + 1, ldc = s.N + 2;  // padded rows
    const auto A = random_values<T>(static_cast<std::size_t>(a_rows * lda), 1);
    const auto B = random_values<T>(static_cast<std::size_t>(b_rows * ldb), 2);
    std::vector<T> C = random_values<T>(static_cast<std::size_t>(s.M * ldc), 3);
    if (beta == T(0)) std::fill(C.begin(), C.end(), std::numeric_limits<T>::quiet_NaN());  // never read
    const std::vector<T> C0 = C;
    std::vector<double> want, bound;
    reference_gemm(s, alpha, A, lda, B, ldb, beta, C0, ldc, want, bound);
    imram::cpu::blas_gemm<T>(s.ta, s.tb, s.M, s.N, s.K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
    const double eps = std::numeric_limits<T>::epsilon();
    for (std::int64_t i = 0; i < s.M; ++i) {
        for (std::int64_t j = 0; j < s.N; ++j) {
            const double got = C[i * ldc + j], w = want[i * ldc + j];
            INFO("M " << s.M << " N " << s.N << " K " << s.K << " ta " << s.ta << " tb " << s.tb << " at (" << i
                      << ", " << j << "): got " << got << ", want " << w);
            REQUIRE(std::abs(got - w) <= 2.0 * static_cast<double>(s.K + 2) * eps * bound[i * ldc + j] + 1e-30);
        }
        for (std::int64_t j = s.N; j < ldc; ++j) {  // the padding is never written
            const T got = C[i * ldc + j], was = C0[i * ldc + j];
            REQUIRE(((std::isnan(got) && std::isnan(was)) || got == was));
        }
    }
}

const Shape kShapes[] = {
    {false, false, 3, 4, 5},    {true, false, 3, 4, 5},    {false, true, 3, 4, 5},    {true, true, 3, 4, 5},
    {false, false, 37, 53, 29}, {true, false, 37, 53, 29}, {false, true, 37, 53, 29}, {true, true, 37, 53, 29},
    {false, true, 200, 3, 300}, {true, false, 3, 300, 64}, {false, false, 130, 70, 1}, {false, true, 1, 257, 513},
};

}  // namespace

TEMPLATE_TEST_CASE("gemm libraries: every built library matches a double-precision product", "[op][gemm]", float,
                   double) {
    const LibraryGuard guard;
    for (GemmLibrary lib : built_libraries()) {
        INFO("library " << imram::cpu::gemm_library_name(lib));
        imram::cpu::set_gemm_library(lib);
        REQUIRE(imram::cpu::gemm_library() == lib);
        for (const Shape& s : kShapes) {
            check_blas_gemm<TestType>(s, TestType(1), TestType(0));
            check_blas_gemm<TestType>(s, TestType(-1.5), TestType(0.5));
            check_blas_gemm<TestType>(s, TestType(2), TestType(1));
        }
    }
}

TEST_CASE("gemm libraries: the batched front-end, threaded by the library or by the engine", "[op][gemm]") {
    const LibraryGuard guard;
    const std::int64_t batch = 3, M = 150, N = 90, K = 120;  // each product above the threading threshold
    const auto A = random_values<float>(static_cast<std::size_t>(batch * M * K), 4);
    const auto B = random_values<float>(static_cast<std::size_t>(batch * K * N), 5);
    for (GemmLibrary lib : built_libraries()) {
        INFO("library " << imram::cpu::gemm_library_name(lib));
        imram::cpu::set_gemm_library(lib);
        for (const std::int64_t b : {std::int64_t{1}, batch}) {
            for (const bool nested : {false, true}) {
                INFO("batch " << b << (nested ? ", inside a parallel region" : ""));
                std::vector<float> C(static_cast<std::size_t>(batch * M * N), 0.f);
                const imram::GemmArgs<float> g{false, false, M,   N,        K,     1.f, A.data(), K, M * K,
                                               B.data(), N,  K * N, 0.f, C.data(), N, M * N, b};
                if (nested) {
#pragma omp parallel num_threads(2)
                    {
#pragma omp single
                        imram::cpu::gemm(g);
                    }
                } else {
                    imram::cpu::gemm(g);
                }
                for (std::int64_t e = 0; e < b; ++e)
                    for (std::int64_t i = 0; i < M; i += 7)
                        for (std::int64_t j = 0; j < N; j += 5) {
                            double want = 0, mag = 0;
                            for (std::int64_t k = 0; k < K; ++k) {
                                const double p = double(A[e * M * K + i * K + k]) * double(B[e * K * N + k * N + j]);
                                want += p, mag += std::abs(p);
                            }
                            REQUIRE(std::abs(C[e * M * N + i * N + j] - want) <= 2.0 * K * 1.2e-7 * mag);
                        }
            }
        }
    }
}

TEST_CASE("gemm libraries: IMRAM_GEMM names", "[op][gemm]") {
    for (GemmLibrary lib : built_libraries()) CHECK(imram::cpu::parse_gemm_library(imram::cpu::gemm_library_name(lib)) == lib);
    CHECK_THROWS_WITH(imram::cpu::parse_gemm_library("mkl"),
                      Catch::Contains("IMRAM_GEMM") && Catch::Contains("'mkl'") && Catch::Contains("eigen"));
    CHECK_THROWS_WITH(imram::cpu::parse_gemm_library("OneDNN"), Catch::Contains("IMRAM_GEMM"));  // names are lower-case
    for (GemmLibrary lib : {GemmLibrary::OpenBLAS, GemmLibrary::OneDNN}) {
        if (imram::cpu::gemm_library_built(lib)) continue;
        CHECK_THROWS_WITH(imram::cpu::parse_gemm_library(imram::cpu::gemm_library_name(lib)), Catch::Contains("IMRAM_GEMM"));
        CHECK_THROWS_WITH(imram::cpu::set_gemm_library(lib), Catch::Contains("this build has no"));
    }
    CHECK_FALSE(imram::cpu::gemm_library_description().empty());
}
