// SPDX-License-Identifier: MIT
// cuBLAS's strided-batched GEMM semantics on the host, for the emulated device.
// Validation follows cuBLAS's documented CUBLAS_STATUS_INVALID_VALUE conditions; every operand
// must be emulated device memory (a host pointer here would be an illegal address on a GPU).
#include <cstddef>

#include "kernels/cuda/blas.h"
#include "kernels/cuda/error.h"
#include "kernels/simt/emulator.h"

namespace imram::cuda_emu::blas {
namespace {

void check_operand(const void* p, long long elems, std::size_t elem_size, const char* name) {
    if (elems <= 0) return;
    IMRAM_GPU_CHECK(simt::is_device_range(p, static_cast<std::size_t>(elems) * elem_size),
                    "cublas gemm (emulated): operand ", name, " (", p, ", ", elems,
                    " elements) is not entirely device memory");
}

}  // namespace

template <class T>
void gemm_strided_batched(Op transa, Op transb, int m, int n, int k, T alpha, const T* A, int lda, long long stride_a,
                          const T* B, int ldb, long long stride_b, T beta, T* C, int ldc, long long stride_c,
                          int batch) {
    const int a_rows = transa == Op::N ? m : k, b_rows = transb == Op::N ? k : n;
    // cuBLAS: m, n, k, batch >= 0; lda >= max(1, rows of A as stored), same for B; ldc >= max(1, m).
    IMRAM_GPU_CHECK(m >= 0 && n >= 0 && k >= 0 && batch >= 0, "cublas gemm (emulated): negative size m=", m,
                    " n=", n, " k=", k, " batch=", batch, " (CUBLAS_STATUS_INVALID_VALUE)");
    IMRAM_GPU_CHECK(lda >= (a_rows > 1 ? a_rows : 1), "cublas gemm (emulated): lda=", lda, " < ", a_rows,
                    " (CUBLAS_STATUS_INVALID_VALUE)");
    IMRAM_GPU_CHECK(ldb >= (b_rows > 1 ? b_rows : 1), "cublas gemm (emulated): ldb=", ldb, " < ", b_rows,
                    " (CUBLAS_STATUS_INVALID_VALUE)");
    IMRAM_GPU_CHECK(ldc >= (m > 1 ? m : 1), "cublas gemm (emulated): ldc=", ldc, " < ", m,
                    " (CUBLAS_STATUS_INVALID_VALUE)");
    if (m == 0 || n == 0 || batch == 0) return;
    const int a_cols = transa == Op::N ? k : m, b_cols = transb == Op::N ? n : k;
    for (int b = 0; b < batch; ++b) {
        const T* Ab = A + b * stride_a;
        const T* Bb = B + b * stride_b;
        T* Cb = C + b * stride_c;
        if (k > 0 && alpha != T(0)) {
            check_operand(Ab, static_cast<long long>(a_cols - 1) * lda + a_rows, sizeof(T), "A");
            check_operand(Bb, static_cast<long long>(b_cols - 1) * ldb + b_rows, sizeof(T), "B");
        }
        check_operand(Cb, static_cast<long long>(n - 1) * ldc + m, sizeof(T), "C");
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < m; ++i) {
                T acc = 0;
                if (alpha != T(0))
                    for (int l = 0; l < k; ++l) {
                        const T av = transa == Op::N ? Ab[i + static_cast<long long>(l) * lda]
                                                     : Ab[l + static_cast<long long>(i) * lda];
                        const T bv = transb == Op::N ? Bb[l + static_cast<long long>(j) * ldb]
                                                     : Bb[j + static_cast<long long>(l) * ldb];
                        acc += av * bv;
                    }
                T& c = Cb[i + static_cast<long long>(j) * ldc];
                c = beta == T(0) ? alpha * acc : alpha * acc + beta * c;  // beta == 0: C is not read
            }
    }
}

template void gemm_strided_batched<float>(Op, Op, int, int, int, float, const float*, int, long long, const float*,
                                          int, long long, float, float*, int, long long, int);
template void gemm_strided_batched<double>(Op, Op, int, int, int, double, const double*, int, long long,
                                           const double*, int, long long, double, double*, int, long long, int);

}  // namespace imram::cuda_emu::blas
