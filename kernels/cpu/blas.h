// SPDX-License-Identifier: MIT
// Single-threaded BLAS GEMM on the calling thread (OpenBLAS when the build found it, else Eigen).
// The engine does its own threading (OpenMP); BLAS is used as a fast, single-threaded inner kernel,
// so it can be called from inside parallel regions without oversubscribing the cores.
#pragma once

#include <cstdint>

namespace imram::cpu {

/// True when an optimised BLAS is linked in (informational, for benchmarks and logs).
bool have_blas();

/// Row-major C (M, N) = alpha op(A) op(B) + beta C; op(A) is (M, K) (A stored (K, M) when ta), op(B) is
/// (K, N). beta == 0 never reads C.
template <class T>
void blas_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A,
               std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc);

}  // namespace imram::cpu
