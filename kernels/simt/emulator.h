// SPDX-License-Identifier: MIT
// The SIMT emulator as seen by kernel source compiled with g++: CUDA keywords, built-in variables,
// barriers, warp intrinsics, atomics, device math and the launch macro. Include "kernels/simt/simt.h"
// rather than this file, so the same source also compiles with nvcc.
#pragma once

#include "kernels/simt/keywords.h"
#include "kernels/simt/runtime.h"
#include "kernels/simt/launch.h"
#include "kernels/simt/intrinsics.h"
#include "kernels/simt/atomics.h"
#include "kernels/simt/device_math.h"

#define SIMT_EMULATED 1
