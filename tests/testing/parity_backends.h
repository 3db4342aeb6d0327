// SPDX-License-Identifier: MIT
// The backends the parity harness checks against the f64 reference. The ordinary test binary
// checks cpu and cuda_emulated (the CUDA kernels run by the SIMT emulator); the GPU test binary
// (imram_gpu_tests, tests/gpu_main.cpp) sets cuda(0) instead before running the same cases.
#pragma once

#include <vector>

#include "base/device.h"

namespace imram::testing {

std::vector<Device>& parity_backends();

}  // namespace imram::testing
