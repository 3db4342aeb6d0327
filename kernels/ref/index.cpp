// SPDX-License-Identifier: MIT
// Reference index_select / index_add and gather / scatter_add on (O, R, I) views.
#include <cstdint>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void index_select(const IndexArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t j = 0; j < a.n; ++j)
            for (std::int64_t i = 0; i < a.I; ++i)
                a.y_mut[(o * a.n + j) * a.I + i] = a.x[(o * a.R + a.idx[j]) * a.I + i];
}

template <class T>
void index_add(const IndexArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t j = 0; j < a.n; ++j)
            for (std::int64_t i = 0; i < a.I; ++i)
                a.x_mut[(o * a.R + a.idx[j]) * a.I + i] += a.y[(o * a.n + j) * a.I + i];
}

template <class T>
void gather(const GatherArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t j = 0; j < a.n; ++j)
            for (std::int64_t i = 0; i < a.I; ++i) {
                const std::int64_t p = (o * a.n + j) * a.I + i;
                a.y_mut[p] = a.x[(o * a.R + a.idx[p]) * a.I + i];
            }
}

template <class T>
void scatter_add(const GatherArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t j = 0; j < a.n; ++j)
            for (std::int64_t i = 0; i < a.I; ++i) {
                const std::int64_t p = (o * a.n + j) * a.I + i;
                a.x_mut[(o * a.R + a.idx[p]) * a.I + i] += a.y[p];
            }
}

#define IMRAM_INST(T)                                \
    template void index_select(const IndexArgs<T>&); \
    template void index_add(const IndexArgs<T>&);    \
    template void gather(const GatherArgs<T>&);      \
    template void scatter_add(const GatherArgs<T>&);
IMRAM_INST(float)
IMRAM_INST(double)
#undef IMRAM_INST

}  // namespace imram::ref
