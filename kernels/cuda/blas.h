// SPDX-License-Identifier: MIT
// The one cuBLAS call the engine makes, strided-batched GEMM, with cuBLAS's own column-major
// argument conventions. imram::cuda::blas calls cuBLAS; imram::cuda_emu::blas is a host
// implementation of exactly the same semantics (argument validation, transposes, leading
// dimensions, alpha/beta with beta == 0 never reading C), so the row-major -> column-major mapping
// at the call site (gemm.cuh) is tested without a GPU.
#pragma once

#include <cstdint>

namespace imram {

namespace blas_detail {
enum class Op : unsigned char { N, T };
}

#define IMRAM_BLAS_DECLS                                                                                      \
    namespace blas {                                                                                          \
    using Op = ::imram::blas_detail::Op;                                                                      \
    /** C_b = alpha op(A_b) op(B_b) + beta C_b, column-major, b < batch (cublas<t>gemmStridedBatched). */   \
    template <class T>                                                                                        \
    void gemm_strided_batched(Op transa, Op transb, int m, int n, int k, T alpha, const T* A, int lda,       \
                              long long stride_a, const T* B, int ldb, long long stride_b, T beta, T* C, int ldc, \
                              long long stride_c, int batch);                                                 \
    }

namespace cuda {
IMRAM_BLAS_DECLS
}
namespace cuda_emu {
IMRAM_BLAS_DECLS
}
#undef IMRAM_BLAS_DECLS

}  // namespace imram
