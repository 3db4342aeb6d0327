// SPDX-License-Identifier: MIT
// gated_memory.cuh for real GPUs (nvcc); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda
#include "kernels/cuda/gated_memory.cuh"
