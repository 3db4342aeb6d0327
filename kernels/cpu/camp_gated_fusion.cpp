// SPDX-License-Identifier: MIT
// CPU CAMP gated fusion (docs/ops.md#camp_gated_fusion; formulas as kernels/ref/camp_gated_fusion.cpp):
// the gate's dot product, relu(g y) and the residual in one pass over each row with Eigen arrays, rows in
// parallel. The mask multiplies dh as a 0/1 factor (not a select), so a non-finite dh propagates exactly
// as through the composed relu's backward.
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void camp_gated_fusion_fwd(const CampGatedFusionArgs<T>& a) {
    const std::int64_t D = a.D;
#pragma omp parallel for schedule(static) if (a.N * D > kOmpMinWork)
    for (std::int64_t n = 0; n < a.N; ++n) {
        const auto x = array_map(a.x + n * D, D), f = array_map(a.f + n * D, D), y = array_map(a.y + n * D, D);
        const T g = T(1) / (T(1) + std::exp(-(x * f).sum()));
        a.gate[n] = g;
        const auto gy = g * y;
        array_map(a.h + n * D, D) = (gy > T(0)).select(gy, T(0)) + x;
    }
}

template <class T>
void camp_gated_fusion_bwd(const CampGatedFusionBwdArgs<T>& a) {
    const std::int64_t D = a.D;
#pragma omp parallel for schedule(static) if (a.N * D > kOmpMinWork)
    for (std::int64_t n = 0; n < a.N; ++n) {
        const auto x = array_map(a.x + n * D, D), f = array_map(a.f + n * D, D), y = array_map(a.y + n * D, D);
        const auto dh = array_map(a.dh + n * D, D);
        const T g = a.gate[n];
        const auto du = dh * (g * y > T(0)).template cast<T>();
        array_map(a.dy + n * D, D) = du * g;
        const T dz = (du * y).sum() * g * (T(1) - g);
        array_map(a.dx + n * D, D) = dh + dz * f;
        array_map(a.df + n * D, D) = dz * x;
    }
}

template void camp_gated_fusion_fwd(const CampGatedFusionArgs<float>&);
template void camp_gated_fusion_fwd(const CampGatedFusionArgs<double>&);
template void camp_gated_fusion_bwd(const CampGatedFusionBwdArgs<float>&);
template void camp_gated_fusion_bwd(const CampGatedFusionBwdArgs<double>&);

}  // namespace imram::cpu
