// SPDX-License-Identifier: MIT
// CPU GRU cell after its GEMMs (docs/ops.md#gru_cell; formulas as kernels/ref/gru_cell.cpp): the gate
// chain of one row in one pass with Eigen arrays (vectorised tanh and exp), rows in parallel. Backward
// recomputes the gates from gi, gh and h, so the tape holds no (B, 3H) gate tensor per step.
#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

template <class T>
using Col = Eigen::Array<T, Eigen::Dynamic, 1>;

/// r, z, n of row b, from the pre-activations.
template <class T>
void gates(const T* gi, const T* gh, std::int64_t H, Col<T>& r, Col<T>& z, Col<T>& n) {
    r = (T(1) + (-(array_map(gi, H) + array_map(gh, H))).exp()).inverse();
    z = (T(1) + (-(array_map(gi + H, H) + array_map(gh + H, H))).exp()).inverse();
    n = (array_map(gi + 2 * H, H) + r * array_map(gh + 2 * H, H)).tanh();
}

}  // namespace

template <class T>
void gru_cell_fwd(const GruCellArgs<T>& a) {
    const std::int64_t H = a.H;
#pragma omp parallel for schedule(static) if (a.B * H > kOmpMinWork)
    for (std::int64_t b = 0; b < a.B; ++b) {
        Col<T> r, z, n;
        gates(a.gi + b * 3 * H, a.gh + b * 3 * H, H, r, z, n);
        array_map(a.h_new + b * H, H) = n + z * (array_map(a.h + b * H, H) - n);  // (1 - z) n + z h
    }
}

template <class T>
void gru_cell_bwd(const GruCellBwdArgs<T>& a) {
    const std::int64_t H = a.H;
#pragma omp parallel for schedule(static) if (a.B * H > kOmpMinWork)
    for (std::int64_t b = 0; b < a.B; ++b) {
        const T* gh = a.gh + b * 3 * H;
        Col<T> r, z, n;
        gates(a.gi + b * 3 * H, gh, H, r, z, n);
        const auto g = array_map(a.dh_new + b * H, H), h = array_map(a.h + b * H, H);
        const Col<T> da_n = g * (T(1) - z) * (T(1) - n.square());
        const Col<T> da_r = da_n * array_map(gh + 2 * H, H) * r * (T(1) - r);
        const Col<T> da_z = g * (h - n) * z * (T(1) - z);
        T* dgi = a.dgi + b * 3 * H;
        T* dgh = a.dgh + b * 3 * H;
        array_map(dgi, H) = da_r;
        array_map(dgi + H, H) = da_z;
        array_map(dgi + 2 * H, H) = da_n;
        array_map(dgh, H) = da_r;
        array_map(dgh + H, H) = da_z;
        array_map(dgh + 2 * H, H) = da_n * r;
        array_map(a.dh + b * H, H) = g * z;
    }
}

template void gru_cell_fwd(const GruCellArgs<float>&);
template void gru_cell_fwd(const GruCellArgs<double>&);
template void gru_cell_bwd(const GruCellBwdArgs<float>&);
template void gru_cell_bwd(const GruCellBwdArgs<double>&);

}  // namespace imram::cpu
