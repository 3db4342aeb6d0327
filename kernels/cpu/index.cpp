// SPDX-License-Identifier: MIT
// CPU index_select / index_add and gather / scatter_add on (O, R, I) views, as row copies and row sums.
// The selects write each output row once, so they run in parallel over (o, j) rows. The adds accumulate and
// indices may repeat, so two j can hit the same x element; they run in parallel only over (o, column block),
// which no two writes share, and keep the j order of the reference inside a block (bitwise the same sums).
#include <algorithm>
#include <cstdint>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

/// Columns of I handled by one task of the accumulating kernels.
constexpr std::int64_t kCols = 1024;

}  // namespace

template <class T>
void index_select(const IndexArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, n = a.n, I = a.I;
#pragma omp parallel for schedule(static) if (O * n * I > kOmpMinWork)
    for (std::int64_t t = 0; t < O * n; ++t) {
        const std::int64_t o = t / n, j = t % n;
        std::copy_n(a.x + (o * R + a.idx[j]) * I, I, a.y_mut + t * I);
    }
}

template <class T>
void index_add(const IndexArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, n = a.n, I = a.I;
    const std::int64_t blocks = (I + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if (O * n * I > kOmpMinWork)
    for (std::int64_t t = 0; t < O * blocks; ++t) {
        const std::int64_t o = t / blocks, i0 = (t % blocks) * kCols, i1 = std::min(I, i0 + kCols);
        for (std::int64_t j = 0; j < n; ++j) {
            T* x = a.x_mut + (o * R + a.idx[j]) * I;
            const T* y = a.y + (o * n + j) * I;
            for (std::int64_t i = i0; i < i1; ++i) x[i] += y[i];
        }
    }
}

template <class T>
void gather(const GatherArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, n = a.n, I = a.I;
#pragma omp parallel for schedule(static) if (O * n * I > kOmpMinWork)
    for (std::int64_t t = 0; t < O * n; ++t) {
        const T* x = a.x + (t / n) * R * I;
        const std::int64_t* idx = a.idx + t * I;
        T* y = a.y_mut + t * I;
        for (std::int64_t i = 0; i < I; ++i) y[i] = x[idx[i] * I + i];
    }
}

template <class T>
void scatter_add(const GatherArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, n = a.n, I = a.I;
    const std::int64_t blocks = (I + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if (O * n * I > kOmpMinWork)
    for (std::int64_t t = 0; t < O * blocks; ++t) {
        const std::int64_t o = t / blocks, i0 = (t % blocks) * kCols, i1 = std::min(I, i0 + kCols);
        T* x = a.x_mut + o * R * I;
        for (std::int64_t j = 0; j < n; ++j) {
            const std::int64_t p = (o * n + j) * I;
            for (std::int64_t i = i0; i < i1; ++i) x[a.idx[p + i] * I + i] += a.y[p + i];
        }
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

}  // namespace imram::cpu
