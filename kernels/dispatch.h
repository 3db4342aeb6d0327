// SPDX-License-Identifier: MIT
// Routing from an op front-end to a backend kernel. The only place that knows which backends exist.
#pragma once

#include "base/check.h"
#include "base/device.h"
#include "base/dtype.h"
#include "kernels/kernels.h"

#if IMRAM_HAVE_CUDA
#define IMRAM_DISPATCH_CUDA_(dev, fn, args) ::imram::cuda::fn(args)
#else
#define IMRAM_DISPATCH_CUDA_(dev, fn, args)                                                                  \
    IMRAM_FAIL(#fn ": device ", (dev), " needs the CUDA backend, which this build does not have "            \
               "(configure with -DIMRAM_CUDA=ON where nvcc works); cuda_emulated runs the same kernels on the CPU")
#endif

/// Runs `fn(args)` in the backend of `dev`. `args` is a templated Args<T>, so T is deduced.
/// cuda_emulated runs the CUDA kernels themselves, compiled by the host compiler against the SIMT
/// emulator (kernels/simt), so every CUDA kernel is exercised without a GPU.
#define IMRAM_DISPATCH(dev, fn, args)                     \
    do {                                                  \
        switch ((dev).type) {                             \
            case ::imram::DeviceType::Ref:                \
                ::imram::ref::fn(args);                   \
                break;                                    \
            case ::imram::DeviceType::CPU:                \
                ::imram::cpu::fn(args);                   \
                break;                                    \
            case ::imram::DeviceType::CUDAEmulated:       \
                ::imram::cuda_emu::fn(args);              \
                break;                                    \
            case ::imram::DeviceType::CUDA:               \
                IMRAM_DISPATCH_CUDA_(dev, fn, args);      \
                break;                                    \
        }                                                 \
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
