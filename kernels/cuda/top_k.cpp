// SPDX-License-Identifier: MIT
// Top-k on a CUDA device through CUB's radix sort (or its emulated twin): one segment, values are
// positions 0..n-1, and only the first k positions come back to the host.
#include <numeric>

#include "kernels/cuda/error.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/primitives.h"

namespace imram::gpu {
namespace {

/// Device scratch released on scope exit.
struct Buffer {
    Buffer(Device dev, std::size_t bytes) : dev(dev), bytes(bytes), p(alloc(dev, bytes)) {}
    ~Buffer() { release(dev, p, bytes); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    Device dev;
    std::size_t bytes;
    void* p;
};

}  // namespace

std::vector<std::int32_t> top_k_indices(Device dev, const float* keys, int n, int k) {
    IMRAM_GPU_CHECK(!dev.is_host(), "top_k_indices: expected a CUDA device");
    IMRAM_GPU_CHECK(n >= 0 && k >= 0, "top_k_indices: negative sizes n=", n, " k=", k);
    if (k > n) k = n;
    if (k == 0) return {};
    std::vector<std::int32_t> pos(static_cast<std::size_t>(n));
    std::iota(pos.begin(), pos.end(), 0);
    const int offsets[2] = {0, n};
    const std::size_t ib = sizeof(std::int32_t) * static_cast<std::size_t>(n), fb = sizeof(float) * static_cast<std::size_t>(n);
    Buffer values_in(dev, ib), values_out(dev, ib), keys_out(dev, fb), offs(dev, sizeof offsets);
    copy(values_in.p, dev, pos.data(), Device::cpu(), ib);
    copy(offs.p, dev, offsets, Device::cpu(), sizeof offsets);
    const auto* begin = static_cast<const int*>(offs.p);
    if (dev.type == DeviceType::CUDAEmulated) {
        cuda_emu::prim::segmented_sort_desc(keys, static_cast<float*>(keys_out.p), static_cast<const std::int32_t*>(values_in.p),
                                            static_cast<std::int32_t*>(values_out.p), n, 1, begin, begin + 1);
    } else {
#if IMRAM_HAVE_CUDA
        cuda::prim::segmented_sort_desc(keys, static_cast<float*>(keys_out.p), static_cast<const std::int32_t*>(values_in.p),
                                        static_cast<std::int32_t*>(values_out.p), n, 1, begin, begin + 1);
#else
        IMRAM_GPU_FAIL("top_k_indices: this build has no CUDA backend");
#endif
    }
    std::vector<std::int32_t> out(static_cast<std::size_t>(k));
    copy(out.data(), Device::cpu(), values_out.p, dev, sizeof(std::int32_t) * static_cast<std::size_t>(k));
    return out;
}

}  // namespace imram::gpu
