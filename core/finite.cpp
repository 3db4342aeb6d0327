// SPDX-License-Identifier: MIT
#include "core/finite.h"

#include <cmath>
#include <cstring>

namespace imram {
namespace {

// A float is NaN or infinite exactly when its exponent bits are all ones.
template <class F, class U, U kExp>
std::int64_t first_bad(const F* p, std::int64_t n) {
    constexpr std::int64_t kBlock = 4096;  // a branch-free block, then one test
    for (std::int64_t b = 0; b < n; b += kBlock) {
        const std::int64_t e = b + kBlock < n ? b + kBlock : n;
        unsigned bad = 0;
        for (std::int64_t i = b; i < e; ++i) {
            U bits;
            std::memcpy(&bits, p + i, sizeof bits);
            bad |= (bits & kExp) == kExp;
        }
        if (bad)
            for (std::int64_t i = b; i < e; ++i)
                if (!std::isfinite(p[i])) return i;
    }
    return -1;
}

}  // namespace

std::int64_t first_non_finite(const float* p, std::int64_t n) {
    return first_bad<float, std::uint32_t, 0x7f800000u>(p, n);
}

std::int64_t first_non_finite(const double* p, std::int64_t n) {
    return first_bad<double, std::uint64_t, 0x7ff0000000000000ull>(p, n);
}

std::int64_t first_non_finite(const Tensor& t) {
    if (!t.defined() || t.numel() == 0) return -1;
    if (t.dtype() != DType::F32 && t.dtype() != DType::F64) return -1;
    IMRAM_CHECK(t.device().is_host(), "first_non_finite: tensor is ", t.describe(), ", expected a host tensor");
    // Tensors from files are contiguous, so this copies nothing in practice.
    const Tensor c = t.contiguous();
    return t.dtype() == DType::F32 ? first_non_finite(c.data<float>(), c.numel())
                                   : first_non_finite(c.data<double>(), c.numel());
}

const char* non_finite_name(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return "finite";
}

Shape unravel_index(std::int64_t flat, const Shape& shape) {
    Shape idx(shape.size(), 0);
    for (std::size_t d = shape.size(); d-- > 0;) {
        if (shape[d] > 0) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
    }
    return idx;
}

}  // namespace imram
