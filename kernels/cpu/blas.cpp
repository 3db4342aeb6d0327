// SPDX-License-Identifier: MIT
#include "kernels/cpu/blas.h"

#include "kernels/cpu/eigen_maps.h"

#ifdef IMRAM_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace imram::cpu {
namespace {

/// Products smaller than this many multiply-adds stay on Eigen: BLAS call overhead dominates there.
constexpr std::int64_t kBlasMinWork = std::int64_t{1} << 15;

#ifdef IMRAM_HAVE_OPENBLAS
// OpenBLAS's own thread pool would fight the engine's OpenMP threads: make every call run on the
// calling thread, once, before the first GEMM.
struct SingleThreadedBlas {
    SingleThreadedBlas() { openblas_set_num_threads(1); }
};
const SingleThreadedBlas g_single_threaded_blas;
#endif

template <class T>
void eigen_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A,
                std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
    auto c = matrix_map(C, M, N, ldc);
    const auto a = matrix_map(A, ta ? K : M, ta ? M : K, lda);
    const auto b = matrix_map(B, tb ? N : K, tb ? K : N, ldb);
    auto run = [&](const auto& x, const auto& y) {
        if (beta == T(0)) c.noalias() = alpha * (x * y);
        else {
            if (beta != T(1)) c *= beta;
            c.noalias() += alpha * (x * y);
        }
    };
    if (!ta && !tb) run(a, b);
    else if (ta && !tb) run(a.transpose(), b);
    else if (!ta && tb) run(a, b.transpose());
    else run(a.transpose(), b.transpose());
}

}  // namespace

bool have_blas() {
#ifdef IMRAM_HAVE_OPENBLAS
    return true;
#else
    return false;
#endif
}

#ifdef IMRAM_HAVE_OPENBLAS
namespace {
// One name for sgemm and dgemm, so blas_gemm below is written once.
void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, double alpha, const double* A, int lda,
                const double* B, int ldb, double beta, double* C, int ldc) {
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
}  // namespace
#endif

template <class T>
void blas_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t lda,
               const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    if (K == 0) {
        auto c = matrix_map(C, M, N, ldc);
        if (beta == T(0)) c.setZero();
        else c *= beta;
        return;
    }
#ifdef IMRAM_HAVE_OPENBLAS
    if (M * N * K >= kBlasMinWork) {
        cblas_gemm(ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(M),
                   static_cast<int>(N), static_cast<int>(K), alpha, A, static_cast<int>(lda), B, static_cast<int>(ldb),
                   beta, C, static_cast<int>(ldc));
        return;
    }
#endif
    eigen_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template void blas_gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                        const float*, std::int64_t, float, float*, std::int64_t);
template void blas_gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*, std::int64_t,
                        const double*, std::int64_t, double, double*, std::int64_t);

}  // namespace imram::cpu
