// SPDX-License-Identifier: MIT
// Eigen views over the raw buffers the cpu kernels receive. Every matrix is RowMajor explicitly (Eigen's
// default is column-major, the engine's layout is row-major); vectors and flat arrays are column vectors.
// Private to kernels/cpu/*.cpp: Eigen must not leak into core/ or any public header.
#pragma once

#include <cstdint>

#include "kernels/cpu/eigen_core.h"

namespace imram::cpu {

/// Below this many elements (or multiply-adds) an OpenMP region costs more than it saves.
constexpr std::int64_t kOmpMinWork = 32768;

template <class T>
using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Contiguous (rows, cols) row-major matrix.
template <class T>
using MatrixMap = Eigen::Map<RowMajorMatrix<T>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const RowMajorMatrix<T>>;

/// (rows, cols) row-major matrix whose rows are `ld` elements apart (ld >= cols).
template <class T>
using StridedMatrixMap = Eigen::Map<RowMajorMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using ConstStridedMatrixMap = Eigen::Map<const RowMajorMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

/// n contiguous elements as an Eigen array (coefficient-wise maths, vectorised).
template <class T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <class T>
inline StridedMatrixMap<T> matrix_map(T* p, std::int64_t rows, std::int64_t cols, std::int64_t ld) {
    return StridedMatrixMap<T>(p, rows, cols, Eigen::OuterStride<>(ld));
}
template <class T>
inline ConstStridedMatrixMap<T> matrix_map(const T* p, std::int64_t rows, std::int64_t cols, std::int64_t ld) {
    return ConstStridedMatrixMap<T>(p, rows, cols, Eigen::OuterStride<>(ld));
}

template <class T>
inline ArrayMap<T> array_map(T* p, std::int64_t n) {
    return ArrayMap<T>(p, n);
}
template <class T>
inline ConstArrayMap<T> array_map(const T* p, std::int64_t n) {
    return ConstArrayMap<T>(p, n);
}

}  // namespace imram::cpu
