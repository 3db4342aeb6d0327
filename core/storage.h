// SPDX-License-Identifier: MIT
// Owned bytes on one device. Host memory is 64-byte aligned (AVX/Eigen friendly).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "base/device.h"

namespace imram {

struct AllocStats {
    std::int64_t bytes_in_use = 0;
    std::int64_t peak_bytes = 0;
    std::int64_t raw_allocs = 0;
};

class Storage {
public:
    /// Allocates `bytes` on `dev`; contents are uninitialised.
    Storage(std::size_t bytes, Device dev);
    /// Wraps memory owned elsewhere (e.g. an mmap); `release` runs when the storage dies.
    Storage(void* data, std::size_t bytes, Device dev, std::function<void(void*)> release);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    void* data() const noexcept { return data_; }
    std::size_t bytes() const noexcept { return bytes_; }
    Device device() const noexcept { return device_; }

private:
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
    Device device_{};
    std::function<void(void*)> release_;
    bool counted_ = false;  // true when the host allocator statistics include this buffer
};

/// Statistics of the host allocator (all host devices together).
AllocStats host_alloc_stats();
/// Statistics of `dev`'s allocator (host devices: the host allocator; CUDA devices: the caching
/// device allocator, where raw_allocs counts calls to the underlying allocator).
AllocStats device_alloc_stats(Device dev);
/// Resets the peak to the current usage (for measuring one phase).
void host_alloc_reset_peak();

}  // namespace imram
