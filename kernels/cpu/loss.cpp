// SPDX-License-Identifier: MIT
// Hardest-negative search on the CPU: rows and columns scanned in parallel. The column scan walks
// the matrix row by row (contiguous reads) keeping a running best per column.
#include <cstdint>
#include <vector>

#include "kernels/kernels.h"

namespace imram::cpu {

template <class T>
void hardest_negatives(const HardestNegArgs<T>& a) {
    const std::int64_t n = a.n;
#pragma omp parallel for schedule(static) if (n >= 256)
    for (std::int64_t i = 0; i < n; ++i) {
        const T* row = a.s + i * n;
        std::int64_t best = i == 0 ? 1 : 0;
        for (std::int64_t j = best + 1; j < n; ++j)
            if (j != i && row[j] > row[best]) best = j;
        a.row_neg[i] = best;
    }
    std::vector<std::int64_t> best(static_cast<std::size_t>(n), -1);
    for (std::int64_t i = 0; i < n; ++i) {
        const T* row = a.s + i * n;
        for (std::int64_t j = 0; j < n; ++j)
            if (j != i && (best[j] < 0 || row[j] > a.s[best[j] * n + j])) best[j] = i;
    }
    for (std::int64_t j = 0; j < n; ++j) a.col_neg[j] = best[j];
}

template void hardest_negatives(const HardestNegArgs<float>&);
template void hardest_negatives(const HardestNegArgs<double>&);

}  // namespace imram::cpu
