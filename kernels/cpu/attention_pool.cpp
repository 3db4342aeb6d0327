// SPDX-License-Identifier: MIT
// CPU attention pooling (docs/ops.md#attention_pool; formulas as kernels/ref/attention_pool.cpp): the
// masked softmaxes over the n positions (n x heads values, a few hundred) in plain loops, the D-wide
// work (out = X^T w forward; dw = X dout and dX = w dout^T backward) as Eigen products; pairs in parallel.
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

/// w_i = mean over heads of alpha[i, :] (n).
template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> head_mean(const T* alpha, std::int64_t n, std::int64_t H) {
    return matrix_map(alpha, n, H, H).rowwise().sum() / static_cast<T>(H);
}

}  // namespace

template <class T>
void attention_pool_fwd(const AttentionPoolArgs<T>& a) {
    const std::int64_t n = a.n, D = a.D, H = a.H;
#pragma omp parallel for schedule(static) if (a.P * n * D > kOmpMinWork)
    for (std::int64_t p = 0; p < a.P; ++p) {
        const T* e = a.logits + p * n * H;
        const std::uint8_t* valid = a.valid ? a.valid + p * n : nullptr;
        T* alpha = a.alpha + p * n * H;
        for (std::int64_t h = 0; h < H; ++h) {
            T m = -INFINITY;
            for (std::int64_t i = 0; i < n; ++i)
                if (!valid || valid[i]) m = std::max(m, e[i * H + h]);
            T s = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                const T v = (!valid || valid[i]) ? std::exp(e[i * H + h] - m) : T(0);
                alpha[i * H + h] = v;
                s += v;
            }
            const T inv = s > T(0) ? T(1) / s : T(0);
            for (std::int64_t i = 0; i < n; ++i) alpha[i * H + h] *= inv;
        }
        const auto w = head_mean(alpha, n, H);
        Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(a.out + p * D, D).noalias() =
            matrix_map(a.x + p * n * D, n, D, D).transpose() * w;
    }
}

template <class T>
void attention_pool_bwd(const AttentionPoolBwdArgs<T>& a) {
    const std::int64_t n = a.n, D = a.D, H = a.H;
#pragma omp parallel for schedule(static) if (a.P * n * D > kOmpMinWork)
    for (std::int64_t p = 0; p < a.P; ++p) {
        const T* alpha = a.alpha + p * n * H;
        const auto x = matrix_map(a.x + p * n * D, n, D, D);
        const Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> dout(a.dout + p * D, D);
        Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> dw(a.dw + p * n, n);
        dw.noalias() = x * dout;
        const auto w = head_mean(alpha, n, H);
        matrix_map(a.dx + p * n * D, n, D, D).noalias() = w * dout.transpose();
        T* de = a.de + p * n * H;
        for (std::int64_t h = 0; h < H; ++h) {
            T s = 0;
            for (std::int64_t i = 0; i < n; ++i) s += alpha[i * H + h] * dw[i];
            for (std::int64_t i = 0; i < n; ++i) de[i * H + h] = alpha[i * H + h] * (dw[i] - s) / static_cast<T>(H);
        }
    }
}

template void attention_pool_fwd(const AttentionPoolArgs<float>&);
template void attention_pool_fwd(const AttentionPoolArgs<double>&);
template void attention_pool_bwd(const AttentionPoolBwdArgs<float>&);
template void attention_pool_bwd(const AttentionPoolBwdArgs<double>&);

}  // namespace imram::cpu
