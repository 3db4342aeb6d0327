// SPDX-License-Identifier: MIT
// Reference attention pooling (CAMP's SummaryAttn after its linear layers, docs/ops.md#attention_pool):
// one pair at a time, plain loops.
#include <cmath>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void attention_pool_fwd(const AttentionPoolArgs<T>& a) {
    const std::int64_t n = a.n, D = a.D, H = a.H;
    for (std::int64_t p = 0; p < a.P; ++p) {
        const T* x = a.x + p * n * D;
        const T* e = a.logits + p * n * H;
        const std::uint8_t* valid = a.valid ? a.valid + p * n : nullptr;
        T* alpha = a.alpha + p * n * H;
        auto ok = [&](std::int64_t i) { return !valid || valid[i] != 0; };
        for (std::int64_t h = 0; h < H; ++h) {
            T m = -INFINITY;
            for (std::int64_t i = 0; i < n; ++i)
                if (ok(i)) m = std::max(m, e[i * H + h]);
            T s = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                alpha[i * H + h] = ok(i) ? std::exp(e[i * H + h] - m) : T(0);
                s += alpha[i * H + h];
            }
            // No valid position: every weight 0, as softmax with a mask gives.
            for (std::int64_t i = 0; i < n; ++i) alpha[i * H + h] = s > T(0) ? alpha[i * H + h] / s : T(0);
        }
        T* out = a.out + p * D;
        for (std::int64_t d = 0; d < D; ++d) out[d] = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            T w = 0;
            for (std::int64_t h = 0; h < H; ++h) w += alpha[i * H + h];
            w /= static_cast<T>(H);
            for (std::int64_t d = 0; d < D; ++d) out[d] += w * x[i * D + d];
        }
    }
}

// w_i = mean_h alpha[i, h];  dx_i = w_i dout;  dw_i = <x_i, dout>;
// de[i, h] = alpha[i, h] / H (dw_i - sum_j alpha[j, h] dw_j)  (0 where alpha is 0: masked positions).
template <class T>
void attention_pool_bwd(const AttentionPoolBwdArgs<T>& a) {
    const std::int64_t n = a.n, D = a.D, H = a.H;
    for (std::int64_t p = 0; p < a.P; ++p) {
        const T* x = a.x + p * n * D;
        const T* alpha = a.alpha + p * n * H;
        const T* dout = a.dout + p * D;
        T* dw = a.dw + p * n;
        T* dx = a.dx + p * n * D;
        T* de = a.de + p * n * H;
        for (std::int64_t i = 0; i < n; ++i) {
            T w = 0, dot = 0;
            for (std::int64_t h = 0; h < H; ++h) w += alpha[i * H + h];
            w /= static_cast<T>(H);
            for (std::int64_t d = 0; d < D; ++d) {
                dx[i * D + d] = w * dout[d];
                dot += x[i * D + d] * dout[d];
            }
            dw[i] = dot;
        }
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

}  // namespace imram::ref
