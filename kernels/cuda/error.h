// SPDX-License-Identifier: MIT
// Errors from the GPU backends: the base library's checks (base/check.h), under the names the
// kernels use.
#pragma once

#include "base/check.h"

#define IMRAM_GPU_FAIL(...) IMRAM_FAIL(__VA_ARGS__)
#define IMRAM_GPU_CHECK(cond, ...)                 \
    do {                                           \
        if (!(cond)) IMRAM_GPU_FAIL(__VA_ARGS__);  \
    } while (0)
