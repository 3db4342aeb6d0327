// SPDX-License-Identifier: MIT
// Opens the diagnostic fence for GCC 12's false positive on its AVX-512 intrinsics; close it with
// kernels/cpu/gcc12_fence_end.h right after the one include it guards (kernels/cpu/eigen_core.h,
// kernels/cpu/x86_intrinsics.h). No include guard: the pair is meant to be included more than once.
//
// Why: GCC 12's avx512fintrin.h starts _mm512_undefined_ps() and friends from `__m512 __Y = __Y;`,
// which its own -Wmaybe-uninitialized / -Wuninitialized then report wherever those intrinsics are
// inlined, hundreds of times per file (GCC bug 105593, fixed in GCC 13; Debian 12 ships 12.2). GCC 12
// checks a middle-end warning against the diagnostic state of every location in its inlining chain, so
// a fence around the third-party include silences exactly the code inlined from it and leaves
// -Wall -Wextra -Werror on for the project's own. Clang does not have the false positive, nor
// -Wmaybe-uninitialized. CI proves it: scripts/test.sh builds for x86-64-v3 and compiles the cpu
// kernels for x86-64-v4, -Werror.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
