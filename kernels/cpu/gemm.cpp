// SPDX-License-Identifier: MIT
// CPU batched GEMM on Eigen's blocked, vectorised product. Each batch entry is a set of RowMajor maps with
// OuterStride (lda/ldb/ldc); a transposed operand is the transpose() of the map of its stored shape, so no
// copies are made. beta == 0 assigns (C is never read: it may be uninitialised); otherwise C is scaled and
// accumulated into. Threads: many (or small) batch entries run in an OpenMP loop over the batch, where Eigen
// stays single-threaded; few large ones run one after another on Eigen's own OpenMP-parallel GEMM.
#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

/// Below this many multiply-adds per product, splitting one GEMM across threads does not pay.
constexpr std::int64_t kEigenParallelWork = std::int64_t{1} << 18;

template <class T>
void gemm_one(const GemmArgs<T>& g, const T* A, const T* B, T* C) {
    auto c = matrix_map(C, g.M, g.N, g.ldc);
    if (g.K == 0) {
        if (g.beta == T(0))
            c.setZero();
        else
            c *= g.beta;
        return;
    }
    const auto a = matrix_map(A, g.trans_a ? g.K : g.M, g.trans_a ? g.M : g.K, g.lda);
    const auto b = matrix_map(B, g.trans_b ? g.N : g.K, g.trans_b ? g.K : g.N, g.ldb);
    const auto run = [&](const auto& op_a, const auto& op_b) {
        if (g.beta == T(0)) {
            c.noalias() = g.alpha * op_a * op_b;
        } else {
            if (g.beta != T(1)) c *= g.beta;
            c.noalias() += g.alpha * op_a * op_b;
        }
    };
    if (!g.trans_a && !g.trans_b)
        run(a, b);
    else if (g.trans_a && !g.trans_b)
        run(a.transpose(), b);
    else if (!g.trans_a && g.trans_b)
        run(a, b.transpose());
    else
        run(a.transpose(), b.transpose());
}

int max_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

}  // namespace

template <class T>
void gemm(const GemmArgs<T>& g) {
    if (g.M <= 0 || g.N <= 0 || g.batch <= 0) return;
    if (g.batch == 1) {
        gemm_one(g, g.A, g.B, g.C);
        return;
    }
    const std::int64_t work = g.M * g.N * std::max<std::int64_t>(g.K, 1);
    if (g.batch < max_threads() && work >= kEigenParallelWork) {
        for (std::int64_t b = 0; b < g.batch; ++b)
            gemm_one(g, g.A + b * g.stride_a, g.B + b * g.stride_b, g.C + b * g.stride_c);
        return;
    }
#pragma omp parallel for schedule(static) if (g.batch * work > kOmpMinWork)
    for (std::int64_t b = 0; b < g.batch; ++b)
        gemm_one(g, g.A + b * g.stride_a, g.B + b * g.stride_b, g.C + b * g.stride_c);
}

template void gemm(const GemmArgs<float>&);
template void gemm(const GemmArgs<double>&);

}  // namespace imram::cpu
