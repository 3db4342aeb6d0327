// SPDX-License-Identifier: MIT
// CPU IMRAM gated memory distillation (docs/ops.md#gated_memory; formulas as kernels/ref/gated_memory.cpp):
// the whole elementwise chain and the optional l2norm in one pass over each row with Eigen arrays
// (vectorised tanh and exp), rows in parallel. Backward recomputes tanh and sigmoid from pre instead of
// keeping o and g: the tape then holds no extra (N, 2D) tensor.
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void gated_memory_fwd(const GatedMemoryArgs<T>& a) {
    const std::int64_t D = a.D;
#pragma omp parallel for schedule(static) if (a.N * D > kOmpMinWork)
    for (std::int64_t n = 0; n < a.N; ++n) {
        const auto q = array_map(a.q + n * D, D);
        const auto po = array_map(a.pre + n * 2 * D, D), pg = array_map(a.pre + n * 2 * D + D, D);
        auto y = array_map(a.y + n * D, D);
        const Eigen::Array<T, Eigen::Dynamic, 1> o = po.tanh();
        y = o + (q - o) / (T(1) + (-pg).exp());  // g q + (1 - g) o with g = sigmoid
        if (!a.normalize) continue;
        const T nrm = std::sqrt(y.matrix().squaredNorm());
        a.norm[n] = nrm;
        y /= nrm + a.eps;
    }
}

template <class T>
void gated_memory_bwd(const GatedMemoryBwdArgs<T>& a) {
    const std::int64_t D = a.D;
#pragma omp parallel for schedule(static) if (a.N * D > kOmpMinWork)
    for (std::int64_t n = 0; n < a.N; ++n) {
        const auto q = array_map(a.q + n * D, D), dy = array_map(a.dy + n * D, D);
        const auto po = array_map(a.pre + n * 2 * D, D), pg = array_map(a.pre + n * 2 * D + D, D);
        Eigen::Array<T, Eigen::Dynamic, 1> du;
        if (a.normalize) {
            const auto y = array_map(a.y + n * D, D);
            const T nrm = a.norm[n];
            du = dy / (nrm + a.eps);
            if (nrm > T(0)) du -= y * ((dy * y).sum() / nrm);
        } else {
            du = dy;
        }
        const Eigen::Array<T, Eigen::Dynamic, 1> o = po.tanh();
        const Eigen::Array<T, Eigen::Dynamic, 1> g = (T(1) + (-pg).exp()).inverse();
        array_map(a.dq + n * D, D) = du * g;
        array_map(a.dpre + n * 2 * D, D) = du * (T(1) - g) * (T(1) - o.square());
        array_map(a.dpre + n * 2 * D + D, D) = du * (q - o) * g * (T(1) - g);
    }
}

template void gated_memory_fwd(const GatedMemoryArgs<float>&);
template void gated_memory_fwd(const GatedMemoryArgs<double>&);
template void gated_memory_bwd(const GatedMemoryBwdArgs<float>&);
template void gated_memory_bwd(const GatedMemoryBwdArgs<double>&);

}  // namespace imram::cpu
