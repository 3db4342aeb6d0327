// SPDX-License-Identifier: MIT
// Device-wide primitives from CUB (imram::cuda::prim), with host twins of exactly the same
// semantics for the emulated device (imram::cuda_emu::prim). Kernels never use CUB's block-level
// templates (the emulator cannot run them); these whole-array calls are where CUB belongs.
//   segmented_sort_desc  per segment, pairs sorted by key, largest first; stable (equal keys keep
//                        their input order), as cub::DeviceSegmentedRadixSort::SortPairsDescending.
//                        Top-k search is this plus taking each segment's first k.
//   segmented_sum        out[s] = sum of x[begin[s] .. end[s]) (cub::DeviceSegmentedReduce::Sum);
//                        an empty segment gives 0.
// All pointers are device memory; offsets arrays have num_segments entries each.
#pragma once

#include <cstdint>
#include <vector>

#include "base/device.h"

namespace imram {

#define IMRAM_PRIM_DECLS                                                                                        \
    namespace prim {                                                                                            \
    void segmented_sort_desc(const float* keys_in, float* keys_out, const std::int32_t* values_in,             \
                             std::int32_t* values_out, int num_items, int num_segments, const int* begin_offsets, \
                             const int* end_offsets);                                                           \
    void segmented_sum(const float* x, float* out, int num_segments, const int* begin_offsets,                  \
                       const int* end_offsets);                                                                 \
    }

namespace cuda {
IMRAM_PRIM_DECLS
}
namespace cuda_emu {
IMRAM_PRIM_DECLS
}
#undef IMRAM_PRIM_DECLS

}  // namespace imram

namespace imram::gpu {

/// The first k positions of `keys` (n floats in `dev`'s memory) by descending key, ties to the
/// lower position (a stable sort), computed on the device with the segmented radix sort above.
/// Returned on the host. Throws for a host device.
std::vector<std::int32_t> top_k_indices(Device dev, const float* keys, int n, int k);

}  // namespace imram::gpu
