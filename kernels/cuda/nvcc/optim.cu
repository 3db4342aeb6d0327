// SPDX-License-Identifier: MIT
// optim.cuh for real GPUs (nvcc); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda
#include "kernels/cuda/optim.cuh"
