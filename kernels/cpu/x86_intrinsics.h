// SPDX-License-Identifier: MIT
// The one way the project's own kernels include <immintrin.h>: inside the fence for GCC 12's false
// positive on its AVX-512 intrinsics (kernels/cpu/gcc12_fence_begin.h says why), as
// kernels/cpu/eigen_core.h does for Eigen.
#pragma once

// clang-format off
#include "kernels/cpu/gcc12_fence_begin.h"
#include <immintrin.h>
#include "kernels/cpu/gcc12_fence_end.h"
// clang-format on
