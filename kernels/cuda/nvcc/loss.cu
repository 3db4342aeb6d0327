// SPDX-License-Identifier: MIT
// loss.cuh for real GPUs (nvcc); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda
#include "kernels/cuda/loss.cuh"
