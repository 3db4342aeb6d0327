// SPDX-License-Identifier: MIT
// Index arithmetic for strided views, shared by the host backends.
#pragma once

#include <cstdint>

#include "kernels/args.h"

namespace imram {

inline std::int64_t strided_numel(const Strided& l) {
    std::int64_t n = 1;
    for (int i = 0; i < l.ndim; ++i) n *= l.shape[i];
    return n;
}

/// Element offset of the row-major flat index `flat` in view `l`.
inline std::int64_t strided_offset(const Strided& l, std::int64_t flat) {
    std::int64_t off = 0;
    for (int d = l.ndim - 1; d >= 0; --d) {
        off += (flat % l.shape[d]) * l.stride[d];
        flat /= l.shape[d];
    }
    return off;
}

}  // namespace imram
