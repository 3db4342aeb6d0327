// SPDX-License-Identifier: MIT
// CPU masked scaled-dot-product attention (docs/ops.md#scaled_dot_attention; formulas as
// kernels/ref/scaled_dot_attention.cpp): per pair, the four products as Eigen matrix products on the
// pair's small matrices (n, m <= ~50 in CAMP) and the masked softmax in place on the probabilities;
// pairs in parallel.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<T>& a) {
    const std::int64_t n = a.n, m = a.m, Dk = a.Dk, Dv = a.Dv;
#pragma omp parallel for schedule(static) if (a.P * n * m * (Dk + Dv) > kOmpMinWork)
    for (std::int64_t p = 0; p < a.P; ++p) {
        auto pr = matrix_map(a.probs + p * n * m, n, m, m);
        pr.noalias() = a.scale * (matrix_map(a.q + p * n * Dk, n, Dk, Dk) * matrix_map(a.k + p * m * Dk, m, Dk, Dk).transpose());
        const std::uint8_t* valid = a.valid ? a.valid + p * m : nullptr;
        for (std::int64_t i = 0; i < n; ++i) {
            T* row = a.probs + (p * n + i) * m;
            T mx = -INFINITY;
            for (std::int64_t j = 0; j < m; ++j)
                if (!valid || valid[j]) mx = std::max(mx, row[j]);
            T s = 0;
            for (std::int64_t j = 0; j < m; ++j) {
                row[j] = (!valid || valid[j]) ? std::exp(row[j] - mx) : T(0);
                s += row[j];
            }
            const T inv = s > T(0) ? T(1) / s : T(0);
            for (std::int64_t j = 0; j < m; ++j) row[j] *= inv;
        }
        matrix_map(a.out + p * n * Dv, n, Dv, Dv).noalias() = pr * matrix_map(a.v + p * m * Dv, m, Dv, Dv);
    }
}

template <class T>
void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<T>& a) {
    const std::int64_t n = a.n, m = a.m, Dk = a.Dk, Dv = a.Dv;
#pragma omp parallel for schedule(static) if (a.P * n * m * (Dk + Dv) > kOmpMinWork)
    for (std::int64_t p = 0; p < a.P; ++p) {
        const auto q = matrix_map(a.q + p * n * Dk, n, Dk, Dk);
        const auto k = matrix_map(a.k + p * m * Dk, m, Dk, Dk);
        const auto v = matrix_map(a.v + p * m * Dv, m, Dv, Dv);
        const auto pr = matrix_map(a.probs + p * n * m, n, m, m);
        const auto dout = matrix_map(a.dout + p * n * Dv, n, Dv, Dv);
        auto ds = matrix_map(a.ds + p * n * m, n, m, m);
        ds.noalias() = dout * v.transpose();  // dP
        const Eigen::Matrix<T, Eigen::Dynamic, 1> s = pr.cwiseProduct(ds).rowwise().sum();
        ds = pr.cwiseProduct(ds.colwise() - s);
        matrix_map(a.dq + p * n * Dk, n, Dk, Dk).noalias() = a.scale * (ds * k);
        matrix_map(a.dk + p * m * Dk, m, Dk, Dk).noalias() = a.scale * (ds.transpose() * q);
        matrix_map(a.dv + p * m * Dv, m, Dv, Dv).noalias() = pr.transpose() * dout;
    }
}

template void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<float>&);
template void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<double>&);
template void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<float>&);
template void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<double>&);

}  // namespace imram::cpu
