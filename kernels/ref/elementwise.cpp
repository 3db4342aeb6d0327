// SPDX-License-Identifier: MIT
// Reference elementwise kernels: one flat loop over the output, strided reads.
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/strided.h"
#include "kernels/unary_math.h"

namespace imram::ref {

template <class T>
void copy_strided(const CopyArgs<T>& a) {
    const std::int64_t n = strided_numel(a.src_layout);
    for (std::int64_t i = 0; i < n; ++i)
        a.dst[strided_offset(a.dst_layout, i)] = a.src[strided_offset(a.src_layout, i)];
}

template <class T>
void binary(const BinaryArgs<T>& a) {
    const std::int64_t n = strided_numel(a.la);
    for (std::int64_t i = 0; i < n; ++i)
        a.out[i] = binary_value(a.op, a.a[strided_offset(a.la, i)], a.b[strided_offset(a.lb, i)]);
}

template <class T>
void where(const WhereArgs<T>& a) {
    const std::int64_t n = strided_numel(a.lc);
    for (std::int64_t i = 0; i < n; ++i)
        a.out[i] = a.cond[strided_offset(a.lc, i)] ? a.a[strided_offset(a.la, i)] : a.b[strided_offset(a.lb, i)];
}

template <class T>
void unary_fwd(const UnaryArgs<T>& a) {
    for (std::int64_t i = 0; i < a.n; ++i) a.y[i] = unary_value(a.op, a.x[i], a.p0, a.p1);
}

template <class T>
void unary_bwd(const UnaryBwdArgs<T>& a) {
    for (std::int64_t i = 0; i < a.n; ++i) a.dx[i] = a.dy[i] * unary_derivative(a.op, a.x[i], a.y[i], a.p0, a.p1);
}

template void copy_strided(const CopyArgs<float>&);
template void copy_strided(const CopyArgs<double>&);
template void copy_strided(const CopyArgs<std::int32_t>&);
template void copy_strided(const CopyArgs<std::int64_t>&);
template void copy_strided(const CopyArgs<std::uint8_t>&);
#define IMRAM_INST(T)                             \
    template void binary(const BinaryArgs<T>&);   \
    template void where(const WhereArgs<T>&);     \
    template void unary_fwd(const UnaryArgs<T>&); \
    template void unary_bwd(const UnaryBwdArgs<T>&);
IMRAM_INST(float)
IMRAM_INST(double)
#undef IMRAM_INST

}  // namespace imram::ref
