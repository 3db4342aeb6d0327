// SPDX-License-Identifier: MIT
#include "core/shape.h"

#include "base/check.h"
#include "base/device.h"
#include "base/dtype.h"

namespace imram {

std::int64_t shape_numel(const Shape& s) {
    std::int64_t n = 1;
    for (auto d : s) n *= d;
    return n;
}

Shape contiguous_strides(const Shape& s) {
    Shape st(s.size());
    std::int64_t acc = 1;
    for (std::size_t i = s.size(); i-- > 0;) {
        st[i] = acc;
        acc *= std::max<std::int64_t>(s[i], 1);
    }
    return st;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    const std::size_t n = std::max(a.size(), b.size());
    Shape out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
        const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
        IMRAM_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b, " do not broadcast (dim ", i, ": ",
                    da, " vs ", db, ")");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

int wrap_dim(std::int64_t dim, int ndim, const char* op) {
    IMRAM_CHECK(dim >= -ndim && dim < ndim, op, ": dim ", dim, " out of range for a tensor with ", ndim, " dims");
    return static_cast<int>(dim < 0 ? dim + ndim : dim);
}

std::ostream& operator<<(std::ostream& os, const Shape& s) {
    os << '[';
    for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
    return os << ']';
}

}  // namespace imram
