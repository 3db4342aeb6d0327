// SPDX-License-Identifier: MIT
// Reference CAMP gated fusion (docs/ops.md#camp_gated_fusion): one row at a time, plain loops.
#include "kernels/kernels.h"
#include "kernels/unary_math.h"

namespace imram::ref {

// g = sigmoid(<x, f>);  h = relu(g y) + x.
template <class T>
void camp_gated_fusion_fwd(const CampGatedFusionArgs<T>& a) {
    const std::int64_t D = a.D;
    for (std::int64_t n = 0; n < a.N; ++n) {
        const T* x = a.x + n * D;
        const T* f = a.f + n * D;
        const T* y = a.y + n * D;
        T* h = a.h + n * D;
        T s = 0;
        for (std::int64_t i = 0; i < D; ++i) s += x[i] * f[i];
        const T g = unary_value(UnaryOp::Sigmoid, s, T(0), T(0));
        a.gate[n] = g;
        for (std::int64_t i = 0; i < D; ++i) h[i] = unary_value(UnaryOp::Relu, g * y[i], T(0), T(0)) + x[i];
    }
}

// m = [g y > 0] (relu's gradient, 0 at 0);  dy = dh m g;  dg = sum dh m y;  dz = dg g (1 - g);
// dx = dh + dz f;  df = dz x.
template <class T>
void camp_gated_fusion_bwd(const CampGatedFusionBwdArgs<T>& a) {
    const std::int64_t D = a.D;
    for (std::int64_t n = 0; n < a.N; ++n) {
        const T* x = a.x + n * D;
        const T* f = a.f + n * D;
        const T* y = a.y + n * D;
        const T* dh = a.dh + n * D;
        T* dx = a.dx + n * D;
        T* df = a.df + n * D;
        T* dy = a.dy + n * D;
        const T g = a.gate[n];
        T dg = 0;
        for (std::int64_t i = 0; i < D; ++i) {
            const T du = dh[i] * unary_derivative(UnaryOp::Relu, g * y[i], T(0), T(0), T(0));
            dy[i] = du * g;
            dg += du * y[i];
        }
        const T dz = dg * g * (T(1) - g);
        for (std::int64_t i = 0; i < D; ++i) {
            dx[i] = dh[i] + dz * f[i];
            df[i] = dz * x[i];
        }
    }
}

template void camp_gated_fusion_fwd(const CampGatedFusionArgs<float>&);
template void camp_gated_fusion_fwd(const CampGatedFusionArgs<double>&);
template void camp_gated_fusion_bwd(const CampGatedFusionBwdArgs<float>&);
template void camp_gated_fusion_bwd(const CampGatedFusionBwdArgs<double>&);

}  // namespace imram::ref
