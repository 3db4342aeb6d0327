// SPDX-License-Identifier: MIT
// Reference IMRAM gated memory distillation (docs/ops.md#gated_memory): one row at a time, plain loops.
#include <cmath>

#include "kernels/kernels.h"
#include "kernels/unary_math.h"

namespace imram::ref {

template <class T>
void gated_memory_fwd(const GatedMemoryArgs<T>& a) {
    const std::int64_t D = a.D;
    for (std::int64_t n = 0; n < a.N; ++n) {
        const T* q = a.q + n * D;
        const T* pre = a.pre + n * 2 * D;
        T* y = a.y + n * D;
        T ss = 0;
        for (std::int64_t i = 0; i < D; ++i) {
            const T o = unary_value(UnaryOp::Tanh, pre[i], T(0), T(0));
            const T g = unary_value(UnaryOp::Sigmoid, pre[D + i], T(0), T(0));
            y[i] = o + g * (q[i] - o);  // g q + (1 - g) o
            ss += y[i] * y[i];
        }
        if (!a.normalize) continue;
        const T nrm = std::sqrt(ss);
        a.norm[n] = nrm;
        for (std::int64_t i = 0; i < D; ++i) y[i] /= nrm + a.eps;
    }
}

// du = dy, or through the l2norm: dy / (n + eps) - y <dy, y> / n (second term 0 when n = 0).
// dq = du g;  dpre[i] = du (1 - g) (1 - o^2);  dpre[D + i] = du (q - o) g (1 - g).
template <class T>
void gated_memory_bwd(const GatedMemoryBwdArgs<T>& a) {
    const std::int64_t D = a.D;
    for (std::int64_t n = 0; n < a.N; ++n) {
        const T* q = a.q + n * D;
        const T* pre = a.pre + n * 2 * D;
        const T* dy = a.dy + n * D;
        const T* y = a.y + n * D;
        T* dq = a.dq + n * D;
        T* dpre = a.dpre + n * 2 * D;
        T s = 0;
        T nrm = 0;
        if (a.normalize) {
            nrm = a.norm[n];
            for (std::int64_t i = 0; i < D; ++i) s += dy[i] * y[i];
        }
        for (std::int64_t i = 0; i < D; ++i) {
            const T du = a.normalize ? dy[i] / (nrm + a.eps) - (nrm > T(0) ? y[i] * s / nrm : T(0)) : dy[i];
            const T o = unary_value(UnaryOp::Tanh, pre[i], T(0), T(0));
            const T g = unary_value(UnaryOp::Sigmoid, pre[D + i], T(0), T(0));
            dq[i] = du * g;
            dpre[i] = du * (T(1) - g) * (T(1) - o * o);
            dpre[D + i] = du * (q[i] - o) * g * (T(1) - g);
        }
    }
}

template void gated_memory_fwd(const GatedMemoryArgs<float>&);
template void gated_memory_fwd(const GatedMemoryArgs<double>&);
template void gated_memory_bwd(const GatedMemoryBwdArgs<float>&);
template void gated_memory_bwd(const GatedMemoryBwdArgs<double>&);

}  // namespace imram::ref
