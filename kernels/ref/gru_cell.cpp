// SPDX-License-Identifier: MIT
// Reference GRU cell after its GEMMs (docs/ops.md#gru_cell): one element at a time, plain loops.
#include "kernels/kernels.h"
#include "kernels/unary_math.h"

namespace imram::ref {

template <class T>
void gru_cell_fwd(const GruCellArgs<T>& a) {
    const std::int64_t H = a.H;
    for (std::int64_t b = 0; b < a.B; ++b) {
        const T* gi = a.gi + b * 3 * H;
        const T* gh = a.gh + b * 3 * H;
        const T* h = a.h + b * H;
        T* out = a.h_new + b * H;
        for (std::int64_t k = 0; k < H; ++k) {
            const T r = unary_value(UnaryOp::Sigmoid, gi[k] + gh[k], T(0), T(0));
            const T z = unary_value(UnaryOp::Sigmoid, gi[H + k] + gh[H + k], T(0), T(0));
            const T n = unary_value(UnaryOp::Tanh, gi[2 * H + k] + r * gh[2 * H + k], T(0), T(0));
            out[k] = n + z * (h[k] - n);  // (1 - z) n + z h
        }
    }
}

// With g = dh': dn = g (1 - z), da_n = dn (1 - n^2), dz = g (h - n), dh = g z,
// da_r = da_n gh_n r (1 - r), da_z = dz z (1 - z); then dgi = (da_r, da_z, da_n) and
// dgh = (da_r, da_z, da_n r), since the n gate sees gh only through r gh_n.
template <class T>
void gru_cell_bwd(const GruCellBwdArgs<T>& a) {
    const std::int64_t H = a.H;
    for (std::int64_t b = 0; b < a.B; ++b) {
        const T* gi = a.gi + b * 3 * H;
        const T* gh = a.gh + b * 3 * H;
        const T* h = a.h + b * H;
        const T* g = a.dh_new + b * H;
        T* dgi = a.dgi + b * 3 * H;
        T* dgh = a.dgh + b * 3 * H;
        T* dh = a.dh + b * H;
        for (std::int64_t k = 0; k < H; ++k) {
            const T r = unary_value(UnaryOp::Sigmoid, gi[k] + gh[k], T(0), T(0));
            const T z = unary_value(UnaryOp::Sigmoid, gi[H + k] + gh[H + k], T(0), T(0));
            const T n = unary_value(UnaryOp::Tanh, gi[2 * H + k] + r * gh[2 * H + k], T(0), T(0));
            const T da_n = g[k] * (T(1) - z) * (T(1) - n * n);
            const T da_r = da_n * gh[2 * H + k] * r * (T(1) - r);
            const T da_z = g[k] * (h[k] - n) * z * (T(1) - z);
            dgi[k] = da_r;
            dgi[H + k] = da_z;
            dgi[2 * H + k] = da_n;
            dgh[k] = da_r;
            dgh[H + k] = da_z;
            dgh[2 * H + k] = da_n * r;
            dh[k] = g[k] * z;
        }
    }
}

template void gru_cell_fwd(const GruCellArgs<float>&);
template void gru_cell_fwd(const GruCellArgs<double>&);
template void gru_cell_bwd(const GruCellBwdArgs<float>&);
template void gru_cell_bwd(const GruCellBwdArgs<double>&);

}  // namespace imram::ref
