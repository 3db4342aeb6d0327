// SPDX-License-Identifier: MIT
// Routing from an op front-end to a backend kernel. The only place that knows which backends exist.
#pragma once

#include "core/check.h"
#include "core/device.h"
#include "core/dtype.h"
#include "kernels/kernels.h"

/// Runs `fn(args)` in the backend of `dev`. `args` is a templated Args<T>, so T is deduced.
#define IMRAM_DISPATCH(dev, fn, args)                              \
    do {                                                           \
        switch ((dev).type) {                                      \
            case ::imram::DeviceType::Ref:                         \
                ::imram::ref::fn(args);                            \
                break;                                             \
            case ::imram::DeviceType::CPU:                         \
                ::imram::cpu::fn(args);                            \
                break;                                             \
            default:                                               \
                IMRAM_FAIL(#fn ": no kernel for device ", (dev),   \
                           " in this build (the CUDA backend is "  \
                           "not compiled in); use Device::cpu()"); \
        }                                                          \
    } while (0)

/// Binds `T` to float or double from a floating DType and runs the body; other dtypes throw naming `op`.
#define IMRAM_FLOAT_SWITCH(dtype, op, T, ...)                                              \
    do {                                                                                   \
        switch (dtype) {                                                                   \
            case ::imram::DType::F32: {                                                    \
                using T = float;                                                           \
                __VA_ARGS__;                                                               \
            } break;                                                                       \
            case ::imram::DType::F64: {                                                    \
                using T = double;                                                          \
                __VA_ARGS__;                                                               \
            } break;                                                                       \
            default:                                                                       \
                IMRAM_FAIL(op, ": expected a floating dtype (f32 or f64), got ", (dtype)); \
        }                                                                                  \
    } while (0)
