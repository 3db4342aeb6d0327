// SPDX-License-Identifier: MIT
// cuBLAS strided-batched GEMM (compiled only when the build has the CUDA toolkit).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <mutex>
#include <vector>

#include "kernels/cuda/blas.h"
#include "kernels/cuda/error.h"

namespace imram::cuda::blas {
namespace {

cublasHandle_t handle() {
    // One handle per device, created on first use; cuBLAS handles are not free to create.
    static std::mutex mu;
    static std::vector<cublasHandle_t> handles;
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) IMRAM_GPU_FAIL("cublas: no current CUDA device");
    std::lock_guard<std::mutex> lock(mu);
    if (handles.size() <= static_cast<std::size_t>(dev)) handles.resize(dev + 1, nullptr);
    if (!handles[dev]) {
        const cublasStatus_t s = cublasCreate(&handles[dev]);
        IMRAM_GPU_CHECK(s == CUBLAS_STATUS_SUCCESS, "cublasCreate failed: ", cublasGetStatusString(s));
    }
    return handles[dev];
}

cublasOperation_t op(Op o) { return o == Op::N ? CUBLAS_OP_N : CUBLAS_OP_T; }

void check(cublasStatus_t s) {
    IMRAM_GPU_CHECK(s == CUBLAS_STATUS_SUCCESS, "cublas gemm failed: ", cublasGetStatusName(s), " (",
                    cublasGetStatusString(s), ")");
}

}  // namespace

template <>
void gemm_strided_batched<float>(Op ta, Op tb, int m, int n, int k, float alpha, const float* A, int lda,
                                 long long sa, const float* B, int ldb, long long sb, float beta, float* C, int ldc,
                                 long long sc, int batch) {
    check(cublasSgemmStridedBatched(handle(), op(ta), op(tb), m, n, k, &alpha, A, lda, sa, B, ldb, sb, &beta, C, ldc,
                                    sc, batch));
}

template <>
void gemm_strided_batched<double>(Op ta, Op tb, int m, int n, int k, double alpha, const double* A, int lda,
                                  long long sa, const double* B, int ldb, long long sb, double beta, double* C,
                                  int ldc, long long sc, int batch) {
    check(cublasDgemmStridedBatched(handle(), op(ta), op(tb), m, n, k, &alpha, A, lda, sa, B, ldb, sb, &beta, C, ldc,
                                    sc, batch));
}

}  // namespace imram::cuda::blas
