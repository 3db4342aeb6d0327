// SPDX-License-Identifier: MIT
// The one way the project includes Eigen: <Eigen/Core> inside a diagnostic fence for a known false
// positive of GCC 12, so that -Wall -Wextra -Werror stay on for our own code on every CPU.
//
// Why: with AVX-512 enabled (-march=native on an AVX-512 CPU, or -march=x86-64-v4), GCC 12 inlines
// Eigen's 512-bit packet code, whose intrinsics start from _mm512_undefined_ps() and friends. GCC 12's
// avx512fintrin.h implements those as `__m512 __Y = __Y;`, which its own -Wmaybe-uninitialized /
// -Wuninitialized then report at every use, hundreds of times per file (GCC bug 105593, fixed in GCC 13;
// Debian 12 ships 12.2). The pragma covers the code inlined from this include only: GCC 12 checks a
// middle-end warning against the diagnostic state of every location in its inlining chain, and each
// chain here passes through Eigen. Clang does not have the false positive, nor -Wmaybe-uninitialized.
// CI proves it: scripts/test.sh builds everything for x86-64-v3 and compiles the cpu kernels for x86-64-v4, -Werror.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <Eigen/Core>
#pragma GCC diagnostic pop
#else
#include <Eigen/Core>
#endif
