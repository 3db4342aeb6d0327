// SPDX-License-Identifier: MIT
// CUB device-wide primitives for real GPUs (kernels/cuda/primitives.h). Each call sizes CUB's
// temporary storage, takes it from the caching allocator, runs, and returns it.
#include <cub/device/device_segmented_radix_sort.cuh>
#include <cub/device/device_segmented_reduce.cuh>

#include "kernels/cuda/error.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/primitives.h"

namespace imram::cuda::prim {
namespace {

void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) IMRAM_GPU_FAIL("cub ", what, " failed: ", cudaGetErrorName(e), " (", cudaGetErrorString(e), ")");
}

Device current() {
    int d = 0;
    check(cudaGetDevice(&d), "cudaGetDevice");
    return Device::cuda(d);
}

/// Temporary storage for one CUB call, released on scope exit.
struct Temp {
    Temp(Device dev, std::size_t bytes) : dev(dev), bytes(bytes), p(bytes ? gpu::alloc(dev, bytes) : nullptr) {}
    ~Temp() {
        if (p) gpu::release(dev, p, bytes);
    }
    Device dev;
    std::size_t bytes;
    void* p;
};

}  // namespace

void segmented_sort_desc(const float* keys_in, float* keys_out, const std::int32_t* values_in, std::int32_t* values_out,
                         int num_items, int num_segments, const int* begin_offsets, const int* end_offsets) {
    std::size_t bytes = 0;
    check(cub::DeviceSegmentedRadixSort::SortPairsDescending(nullptr, bytes, keys_in, keys_out, values_in, values_out,
                                                             num_items, num_segments, begin_offsets, end_offsets),
          "segmented sort (sizing)");
    Temp t(current(), bytes);
    check(cub::DeviceSegmentedRadixSort::SortPairsDescending(t.p, bytes, keys_in, keys_out, values_in, values_out,
                                                             num_items, num_segments, begin_offsets, end_offsets),
          "segmented sort");
}

void segmented_sum(const float* x, float* out, int num_segments, const int* begin_offsets, const int* end_offsets) {
    std::size_t bytes = 0;
    check(cub::DeviceSegmentedReduce::Sum(nullptr, bytes, x, out, num_segments, begin_offsets, end_offsets),
          "segmented sum (sizing)");
    Temp t(current(), bytes);
    check(cub::DeviceSegmentedReduce::Sum(t.p, bytes, x, out, num_segments, begin_offsets, end_offsets),
          "segmented sum");
}

}  // namespace imram::cuda::prim
