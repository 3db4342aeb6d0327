// SPDX-License-Identifier: MIT
// The one way the project's own kernels include <immintrin.h>: inside a diagnostic fence for GCC 12's
// false positive on its AVX-512 intrinsics, as kernels/cpu/eigen_core.h does for Eigen.
//
// Why: GCC 12's avx512fintrin.h starts _mm512_undefined_ps() and friends from `__m512 __Y = __Y;`,
// which its own -Wmaybe-uninitialized / -Wuninitialized then report wherever those intrinsics are
// inlined (GCC bug 105593, fixed in GCC 13; Debian 12 ships 12.2). The pragma covers the code of this
// header only: GCC 12 checks a middle-end warning against every location of its inlining chain, and
// each chain here passes through the header. Other compilers include it plainly.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
