// SPDX-License-Identifier: MIT
// elementwise.cuh for real GPUs (nvcc); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda
#include "kernels/cuda/elementwise.cuh"
