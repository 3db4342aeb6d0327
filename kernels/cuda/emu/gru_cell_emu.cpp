// SPDX-License-Identifier: MIT
// gru_cell.cuh for the SIMT emulator (g++); see kernels/cuda/common.cuh.
#define IMRAM_CUDA_NS cuda_emu
#include "kernels/cuda/gru_cell.cuh"
