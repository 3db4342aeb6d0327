// SPDX-License-Identifier: MIT
// gru_cell.cuh for real GPUs (nvcc); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda
#include "kernels/cuda/gru_cell.cuh"
