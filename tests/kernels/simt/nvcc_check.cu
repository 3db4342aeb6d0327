// SPDX-License-Identifier: MIT
// Compile gate: the emulator's test kernels are real CUDA. Instantiates the templates and launches
// every kernel once through SIMT_LAUNCH so nvcc compiles the device code and the launch syntax.
#include "tests/kernels/simt/test_kernels.cuh"

void simt_test_nvcc_instantiate(float* f, int* i, unsigned* u, double* d, long long* ll, unsigned char* m,
                                simt_stream_t stream) {
    using namespace simt_test;
    SIMT_LAUNCH(block_reduce_sum<true>, 4, 256, 256 * sizeof(float), stream, f, 100, f);
    SIMT_LAUNCH(block_reduce_sum<false>, 4, 256, 256 * sizeof(float), stream, f, 100, f);
    SIMT_LAUNCH(warp_reduce_sum, 4, 256, 0, stream, f, 100, f);
    SIMT_LAUNCH(matmul_tiled<16>, dim3(2, 2), dim3(16, 16), 0, stream, f, f, f, 20, 20, 20);
    SIMT_LAUNCH(masked_softmax_rows, 3, 96, 0, stream, f, m, f, 50);
    SIMT_LAUNCH(half_warp_sums, 1, 64, 0, stream, f, f);
    SIMT_LAUNCH(warp_semantics, 1, 64, 0, stream, i, i, i, i, u, i, i, i, i, i, d, ll);
    SIMT_LAUNCH(early_return_before_barrier, 1, 256, 0, stream, f, 200, f);
    SIMT_LAUNCH(full_mask_shuffle, 1, 48, 0, stream, f, f);
    SIMT_LAUNCH(two_barrier_sites, 1, 64, 0, stream, f);
    SIMT_LAUNCH(shuffle_against_barrier, 1, 32, 0, stream, f);
    SIMT_LAUNCH(mask_disagreement, 1, 32, 0, stream, f);
    SIMT_LAUNCH(source_outside_mask, 1, 32, 0, stream, f, 16);
    SIMT_LAUNCH(record_indices, dim3(2, 3, 2), dim3(4, 2, 3), 0, stream, i);
}
