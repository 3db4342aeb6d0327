// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>

namespace imram {

/// Element types. Bool is one byte per element (0 or 1) and is used for masks.
enum class DType : std::uint8_t { F32, F64, I32, I64, Bool };

constexpr std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::F32:
            return 4;
        case DType::F64:
            return 8;
        case DType::I32:
            return 4;
        case DType::I64:
            return 8;
        case DType::Bool:
            return 1;
    }
    return 0;
}
constexpr bool is_floating(DType t) {
    return t == DType::F32 || t == DType::F64;
}
constexpr bool is_integral(DType t) {
    return t == DType::I32 || t == DType::I64;
}
const char* dtype_name(DType t);
inline std::ostream& operator<<(std::ostream& os, DType t) {
    return os << dtype_name(t);
}

template <class T>
struct dtype_of;
template <>
struct dtype_of<float> {
    static constexpr DType value = DType::F32;
};
template <>
struct dtype_of<double> {
    static constexpr DType value = DType::F64;
};
template <>
struct dtype_of<std::int32_t> {
    static constexpr DType value = DType::I32;
};
template <>
struct dtype_of<std::int64_t> {
    static constexpr DType value = DType::I64;
};
template <>
struct dtype_of<std::uint8_t> {
    static constexpr DType value = DType::Bool;
};
template <class T>
inline constexpr DType dtype_v = dtype_of<T>::value;

}  // namespace imram
