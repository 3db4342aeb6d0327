// SPDX-License-Identifier: MIT
// Errors from the GPU backends. Header-only on purpose: this library sits below imram_core, so it
// throws imram::Error directly instead of calling core's IMRAM_FAIL.
#pragma once

#include "core/check.h"

namespace imram::gpu::detail {
[[noreturn]] inline void fail(const char* file, int line, const std::string& msg) {
    std::string f = file;
    if (auto p = f.rfind("/kernels/"); p != std::string::npos) f = f.substr(p + 1);
    throw ::imram::Error(::imram::detail::cat(f, ":", line, ": ", msg));
}
}  // namespace imram::gpu::detail

#define IMRAM_GPU_FAIL(...) ::imram::gpu::detail::fail(__FILE__, __LINE__, ::imram::detail::cat(__VA_ARGS__))
#define IMRAM_GPU_CHECK(cond, ...)                 \
    do {                                           \
        if (!(cond)) IMRAM_GPU_FAIL(__VA_ARGS__);  \
    } while (0)
