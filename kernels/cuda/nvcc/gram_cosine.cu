// SPDX-License-Identifier: MIT
// gram_cosine.cuh for real GPUs (nvcc); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda
#include "kernels/cuda/gram_cosine.cuh"
