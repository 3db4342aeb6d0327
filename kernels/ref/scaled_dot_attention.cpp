// SPDX-License-Identifier: MIT
// Reference masked scaled-dot-product attention (docs/ops.md#scaled_dot_attention): one pair and one
// query row at a time, plain loops.
#include <algorithm>
#include <cmath>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<T>& a) {
    const std::int64_t n = a.n, m = a.m, Dk = a.Dk, Dv = a.Dv;
    for (std::int64_t p = 0; p < a.P; ++p) {
        const T* k = a.k + p * m * Dk;
        const T* v = a.v + p * m * Dv;
        const std::uint8_t* valid = a.valid ? a.valid + p * m : nullptr;
        for (std::int64_t i = 0; i < n; ++i) {
            const T* q = a.q + (p * n + i) * Dk;
            T* pr = a.probs + (p * n + i) * m;
            T mx = -INFINITY;
            for (std::int64_t j = 0; j < m; ++j) {
                T dot = 0;
                for (std::int64_t d = 0; d < Dk; ++d) dot += q[d] * k[j * Dk + d];
                pr[j] = a.scale * dot;
                if (!valid || valid[j]) mx = std::max(mx, pr[j]);
            }
            T s = 0;
            for (std::int64_t j = 0; j < m; ++j) {
                pr[j] = (!valid || valid[j]) ? std::exp(pr[j] - mx) : T(0);
                s += pr[j];
            }
            // No valid key: every weight 0 (softmax's masked convention), so the output row is 0.
            for (std::int64_t j = 0; j < m; ++j) pr[j] = s > T(0) ? pr[j] / s : T(0);
            T* out = a.out + (p * n + i) * Dv;
            for (std::int64_t d = 0; d < Dv; ++d) {
                T acc = 0;
                for (std::int64_t j = 0; j < m; ++j) acc += pr[j] * v[j * Dv + d];
                out[d] = acc;
            }
        }
    }
}

// dP = dO V^T; dS = P o (dP - rowsum(P o dP)); dq = scale dS K; dk = scale dS^T Q; dv = P^T dO.
template <class T>
void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<T>& a) {
    const std::int64_t n = a.n, m = a.m, Dk = a.Dk, Dv = a.Dv;
    for (std::int64_t p = 0; p < a.P; ++p) {
        const T* q = a.q + p * n * Dk;
        const T* k = a.k + p * m * Dk;
        const T* v = a.v + p * m * Dv;
        const T* pr = a.probs + p * n * m;
        const T* dout = a.dout + p * n * Dv;
        T* ds = a.ds + p * n * m;
        for (std::int64_t i = 0; i < n; ++i) {
            T s = 0;
            for (std::int64_t j = 0; j < m; ++j) {
                T dp = 0;
                for (std::int64_t d = 0; d < Dv; ++d) dp += dout[i * Dv + d] * v[j * Dv + d];
                ds[i * m + j] = dp;
                s += pr[i * m + j] * dp;
            }
            for (std::int64_t j = 0; j < m; ++j) ds[i * m + j] = pr[i * m + j] * (ds[i * m + j] - s);
        }
        T* dq = a.dq + p * n * Dk;
        T* dk = a.dk + p * m * Dk;
        T* dv = a.dv + p * m * Dv;
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t d = 0; d < Dk; ++d) {
                T acc = 0;
                for (std::int64_t j = 0; j < m; ++j) acc += ds[i * m + j] * k[j * Dk + d];
                dq[i * Dk + d] = a.scale * acc;
            }
        for (std::int64_t j = 0; j < m; ++j) {
            for (std::int64_t d = 0; d < Dk; ++d) {
                T acc = 0;
                for (std::int64_t i = 0; i < n; ++i) acc += ds[i * m + j] * q[i * Dk + d];
                dk[j * Dk + d] = a.scale * acc;
            }
            for (std::int64_t d = 0; d < Dv; ++d) {
                T acc = 0;
                for (std::int64_t i = 0; i < n; ++i) acc += pr[i * m + j] * dout[i * Dv + d];
                dv[j * Dv + d] = acc;
            }
        }
    }
}

template void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<float>&);
template void scaled_dot_attention_fwd(const ScaledDotAttentionArgs<double>&);
template void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<float>&);
template void scaled_dot_attention_bwd(const ScaledDotAttentionBwdArgs<double>&);

}  // namespace imram::ref
