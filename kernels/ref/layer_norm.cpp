// SPDX-License-Identifier: MIT
// Reference LayerNorm over the last dim (docs/ops.md#layer_norm): one row at a time, plain loops, the
// variance from a second pass over the centred values.
#include <cmath>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void layer_norm_fwd(const LayerNormArgs<T>& a) {
    const std::int64_t D = a.D;
    for (std::int64_t n = 0; n < a.N; ++n) {
        const T* x = a.x + n * D;
        T* y = a.y + n * D;
        T mu = 0;
        for (std::int64_t d = 0; d < D; ++d) mu += x[d];
        mu /= static_cast<T>(D);
        T var = 0;
        for (std::int64_t d = 0; d < D; ++d) var += (x[d] - mu) * (x[d] - mu);
        var /= static_cast<T>(D);  // biased, as PyTorch normalises
        const T rstd = T(1) / std::sqrt(var + a.eps);
        a.mean[n] = mu;
        a.rstd[n] = rstd;
        for (std::int64_t d = 0; d < D; ++d) {
            const T xh = (x[d] - mu) * rstd;
            y[d] = a.weight ? xh * a.weight[d] + a.bias[d] : xh;
        }
    }
}

// xh = (x - mean) rstd, g = dy w (or dy): dx = rstd (g - mean(g) - xh mean(g xh));
// dw = sum over rows of dy xh, db = sum over rows of dy.
template <class T>
void layer_norm_bwd(const LayerNormBwdArgs<T>& a) {
    const std::int64_t D = a.D;
    if (a.dweight)
        for (std::int64_t d = 0; d < D; ++d) a.dweight[d] = a.dbias[d] = 0;
    for (std::int64_t n = 0; n < a.N; ++n) {
        const T* x = a.x + n * D;
        const T* dy = a.dy + n * D;
        const T mu = a.mean[n], rstd = a.rstd[n];
        T mg = 0, mgx = 0;
        for (std::int64_t d = 0; d < D; ++d) {
            const T xh = (x[d] - mu) * rstd, g = a.weight ? dy[d] * a.weight[d] : dy[d];
            mg += g;
            mgx += g * xh;
            if (a.dweight) a.dweight[d] += dy[d] * xh, a.dbias[d] += dy[d];
        }
        mg /= static_cast<T>(D);
        mgx /= static_cast<T>(D);
        for (std::int64_t d = 0; d < D; ++d) {
            const T xh = (x[d] - mu) * rstd, g = a.weight ? dy[d] * a.weight[d] : dy[d];
            a.dx[n * D + d] = rstd * (g - mg - xh * mgx);
        }
    }
}

template void layer_norm_fwd(const LayerNormArgs<float>&);
template void layer_norm_fwd(const LayerNormArgs<double>&);
template void layer_norm_bwd(const LayerNormBwdArgs<float>&);
template void layer_norm_bwd(const LayerNormBwdArgs<double>&);

}  // namespace imram::ref
