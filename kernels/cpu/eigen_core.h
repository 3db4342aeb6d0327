// SPDX-License-Identifier: MIT
// The one way the project includes Eigen: <Eigen/Core> inside the fence for a known false positive of
// GCC 12 (kernels/cpu/gcc12_fence_begin.h says why), so that -Wall -Wextra -Werror stay on for our own
// code on every CPU.
//
// With AVX-512 enabled (-march=native on an AVX-512 CPU, or -march=x86-64-v4), GCC 12 inlines Eigen's
// 512-bit packet code, whose intrinsics start from _mm512_undefined_ps() and friends; the fence covers
// the code inlined from this include only.
#pragma once

// clang-format off
#include "kernels/cpu/gcc12_fence_begin.h"
#include <Eigen/Core>
#include "kernels/cpu/gcc12_fence_end.h"
// clang-format on
