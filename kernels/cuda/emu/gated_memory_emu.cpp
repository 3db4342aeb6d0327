// SPDX-License-Identifier: MIT
// gated_memory.cuh for the SIMT emulator (g++); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda_emu
#include "kernels/cuda/gated_memory.cuh"
