// SPDX-License-Identifier: MIT
// CPU batched GEMM on the GEMM library of kernels/cpu/blas.h, threads from OpenMP. Many batch entries
// run in an OpenMP loop over the batch, each product on its thread. A large single product is threaded
// by oneDNN itself when it is the library; with the others it is split into row blocks (or column
// blocks when it has few rows), one per thread. Inside an enclosing parallel region everything stays
// on the calling thread. beta == 0 never reads C.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/cpu/bf16.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

/// Below this many multiply-adds per product, splitting one GEMM across threads does not pay.
constexpr std::int64_t kParallelWork = std::int64_t{1} << 20;

int threads_available() {
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
}

/// True when blas_gemm<T> threads a product itself outside a parallel region (oneDNN, float).
template <class T>
bool library_threads_itself() {
    return std::is_same_v<T, float> && gemm_library() == GemmLibrary::OneDNN;
}

template <class T>
void gemm_one(const GemmArgs<T>& g, const T* A, const T* B, T* C) {
    const std::int64_t work = g.M * g.N * std::max<std::int64_t>(g.K, 1);
    const int nt = work >= kParallelWork ? threads_available() : 1;
    if (nt <= 1 || library_threads_itself<T>()) {
        blas_gemm<T>(g.trans_a, g.trans_b, g.M, g.N, g.K, g.alpha, A, g.lda, B, g.ldb, g.beta, C, g.ldc);
        return;
    }
    const bool by_rows = g.M >= 16 * nt;
    const std::int64_t extent = by_rows ? g.M : g.N;
    const std::int64_t block = (extent + nt - 1) / nt;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int t = 0; t < nt; ++t) {
        const std::int64_t b0 = t * block, b1 = std::min(extent, b0 + block);
        if (b0 >= b1) continue;
        if (by_rows) {
            const T* a = g.trans_a ? A + b0 : A + b0 * g.lda;
            blas_gemm<T>(g.trans_a, g.trans_b, b1 - b0, g.N, g.K, g.alpha, a, g.lda, B, g.ldb, g.beta, C + b0 * g.ldc,
                         g.ldc);
        } else {
            const T* b = g.trans_b ? B + b0 * g.ldb : B + b0;
            blas_gemm<T>(g.trans_a, g.trans_b, g.M, b1 - b0, g.K, g.alpha, A, g.lda, b, g.ldb, g.beta, C + b0, g.ldc);
        }
    }
}

}  // namespace

template <class T>
void gemm(const GemmArgs<T>& g) {
    if (g.M <= 0 || g.N <= 0 || g.batch <= 0) return;
    const std::int64_t work = g.M * g.N * std::max<std::int64_t>(g.K, 1);
    if constexpr (std::is_same_v<T, float>) {
        // A layer's weight product in bf16 precision: oneDNN's bf16 matmul (it threads each product).
        const GemmPrecision precision = g.taped ? tape_gemm_precision() : gemm_precision();
        if (g.weight_product && g.K > 0 && work >= kBf16MinWork && precision == GemmPrecision::BF16 &&
            bf16_available()) {
            for (std::int64_t b = 0; b < g.batch; ++b)
                gemm_bf16_ab(g.trans_a, g.trans_b, g.M, g.N, g.K, g.alpha, g.A + b * g.stride_a, g.lda,
                             g.B + b * g.stride_b, g.ldb, g.beta, g.C + b * g.stride_c, g.ldc);
            return;
        }
    }
    if (g.batch == 1 || (g.batch < threads_available() && work >= kParallelWork)) {
        for (std::int64_t b = 0; b < g.batch; ++b)
            gemm_one(g, g.A + b * g.stride_a, g.B + b * g.stride_b, g.C + b * g.stride_c);
        return;
    }
#pragma omp parallel for schedule(static) if (g.batch * work > kOmpMinWork)
    for (std::int64_t b = 0; b < g.batch; ++b)
        blas_gemm<T>(g.trans_a, g.trans_b, g.M, g.N, g.K, g.alpha, g.A + b * g.stride_a, g.lda, g.B + b * g.stride_b,
                     g.ldb, g.beta, g.C + b * g.stride_c, g.ldc);
}

template void gemm(const GemmArgs<float>&);
template void gemm(const GemmArgs<double>&);

}  // namespace imram::cpu
