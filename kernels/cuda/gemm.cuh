// SPDX-License-Identifier: MIT
// The engine's row-major batched GEMM (GemmArgs) on cuBLAS.
//
// Maths: C_b = alpha op(A_b) op(B_b) + beta C_b, row-major. cuBLAS is column-major, and a
//        row-major (M, N) matrix with row stride ldc is the column-major (N, M) matrix C^T with
//        leading dimension ldc. So we ask cuBLAS for C^T = op(B)^T op(A)^T: operands swapped,
//        m' = N, n' = M, and each operand keeps its own transpose flag (a row-major (K, N) B read
//        column-major is already B^T).
// Cost: 2 M N K batch FLOPs; cuBLAS reaches ~50 TFLOP/s FP32 on an H100 at the model's sizes
//       (the engine does not enable TF32, so results match the CPU to FP32 rounding).
#pragma once

#include <limits>

#include "kernels/cuda/blas.h"
#include "kernels/cuda/common.cuh"

namespace imram::IMRAM_CUDA_NS {

inline int blas_int(std::int64_t v, const char* what) {
    IMRAM_GPU_CHECK(v >= 0 && v <= std::numeric_limits<int>::max(), "gemm: ", what, " = ", v,
                    " does not fit cuBLAS's 32-bit int");
    return static_cast<int>(v);
}

template <class T>
void gemm(const GemmArgs<T>& g) {
    if (g.M == 0 || g.N == 0 || g.batch == 0) return;
    using blas::Op;
    blas::gemm_strided_batched<T>(g.trans_b ? Op::T : Op::N, g.trans_a ? Op::T : Op::N, blas_int(g.N, "N"),
                                  blas_int(g.M, "M"), blas_int(g.K, "K"), g.alpha, g.B, blas_int(g.ldb, "ldb"),
                                  g.stride_b, g.A, blas_int(g.lda, "lda"), g.stride_a, g.beta, g.C,
                                  blas_int(g.ldc, "ldc"), g.stride_c, blas_int(g.batch, "batch"));
}

template void gemm(const GemmArgs<float>&);
template void gemm(const GemmArgs<double>&);

}  // namespace imram::IMRAM_CUDA_NS
