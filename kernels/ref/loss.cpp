// SPDX-License-Identifier: MIT
// Reference hardest-negative search: one left-to-right scan per row and per column.
#include <cstdint>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void hardest_negatives(const HardestNegArgs<T>& a) {
    const std::int64_t n = a.n;
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t best = -1;
        for (std::int64_t j = 0; j < n; ++j)
            if (j != i && (best < 0 || a.s[i * n + j] > a.s[i * n + best])) best = j;
        a.row_neg[i] = best;
    }
    for (std::int64_t j = 0; j < n; ++j) {
        std::int64_t best = -1;
        for (std::int64_t i = 0; i < n; ++i)
            if (i != j && (best < 0 || a.s[i * n + j] > a.s[best * n + j])) best = i;
        a.col_neg[j] = best;
    }
}

template void hardest_negatives(const HardestNegArgs<float>&);
template void hardest_negatives(const HardestNegArgs<double>&);

}  // namespace imram::ref
