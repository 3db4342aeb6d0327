// SPDX-License-Identifier: MIT
// CPU LayerNorm over the last dim (docs/ops.md#layer_norm; formulas as kernels/ref/layer_norm.cpp): rows
// in parallel with Eigen arrays; the weight and bias gradients, sums over the rows, in parallel over
// blocks of columns (each thread owns its columns: no reduction across threads, a fixed order).
#include <algorithm>
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void layer_norm_fwd(const LayerNormArgs<T>& a) {
    const std::int64_t D = a.D;
#pragma omp parallel for schedule(static) if (a.N * D > kOmpMinWork)
    for (std::int64_t n = 0; n < a.N; ++n) {
        const auto x = array_map(a.x + n * D, D);
        const T mu = x.mean();
        const T rstd = T(1) / std::sqrt((x - mu).square().mean() + a.eps);
        a.mean[n] = mu;
        a.rstd[n] = rstd;
        auto y = array_map(a.y + n * D, D);
        if (a.weight) y = (x - mu) * rstd * array_map(a.weight, D) + array_map(a.bias, D);
        else y = (x - mu) * rstd;
    }
}

template <class T>
void layer_norm_bwd(const LayerNormBwdArgs<T>& a) {
    const std::int64_t D = a.D, N = a.N;
#pragma omp parallel for schedule(static) if (N * D > kOmpMinWork)
    for (std::int64_t n = 0; n < N; ++n) {
        const auto dy = array_map(a.dy + n * D, D);
        const Eigen::Array<T, Eigen::Dynamic, 1> xh = (array_map(a.x + n * D, D) - a.mean[n]) * a.rstd[n];
        const Eigen::Array<T, Eigen::Dynamic, 1> g = a.weight ? Eigen::Array<T, Eigen::Dynamic, 1>(dy * array_map(a.weight, D))
                                                              : Eigen::Array<T, Eigen::Dynamic, 1>(dy);
        array_map(a.dx + n * D, D) = a.rstd[n] * (g - g.mean() - xh * (g * xh).mean());
    }
    if (!a.dweight) return;
    constexpr std::int64_t kCols = 64;
    const std::int64_t blocks = (D + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if (N * D > kOmpMinWork)
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
        const std::int64_t c0 = blk * kCols, c1 = std::min(D, c0 + kCols);
        for (std::int64_t d = c0; d < c1; ++d) a.dweight[d] = a.dbias[d] = 0;
        for (std::int64_t n = 0; n < N; ++n) {
            const T* x = a.x + n * D;
            const T* dy = a.dy + n * D;
            const T mu = a.mean[n], rstd = a.rstd[n];
            for (std::int64_t d = c0; d < c1; ++d) {
                a.dweight[d] += dy[d] * (x[d] - mu) * rstd;
                a.dbias[d] += dy[d];
            }
        }
    }
}

template void layer_norm_fwd(const LayerNormArgs<float>&);
template void layer_norm_fwd(const LayerNormArgs<double>&);
template void layer_norm_bwd(const LayerNormBwdArgs<float>&);
template void layer_norm_bwd(const LayerNormBwdArgs<double>&);

}  // namespace imram::cpu
