// SPDX-License-Identifier: MIT
// Closes the fence opened by kernels/cpu/gcc12_fence_begin.h. No include guard, on purpose.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic pop
#endif
