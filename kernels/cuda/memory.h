// SPDX-License-Identifier: MIT
// Device memory for the two CUDA backends, behind plain C++ (no CUDA headers):
//   cuda(i)        cudaMalloc'd memory on GPU i (only when the build has the CUDA toolkit)
//   cuda_emulated  host memory registered with the SIMT emulator, so kernels can tell it from host memory
// Both go through a caching allocator (freed blocks are kept for reuse, like PyTorch's), which
// keeps statistics. Copies are synchronous and check that each pointer lives where it claims to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/device.h"

namespace imram::gpu {

struct MemStats {
    std::int64_t bytes_in_use = 0;  // handed out and not yet released (requested sizes)
    std::int64_t peak_bytes = 0;    // high-water mark of bytes_in_use
    std::int64_t cached_bytes = 0;  // held by the cache, free for reuse (block sizes)
    std::int64_t raw_allocs = 0;    // calls to the underlying allocator
    std::int64_t cache_hits = 0;    // allocations served from the cache
};

/// Memory of `bytes` on a CUDA device (uninitialised). Throws imram::Error when the device is
/// unavailable (real CUDA without a GPU) or out of memory.
void* alloc(Device dev, std::size_t bytes);
/// Returns memory from alloc() to the cache. Never throws.
void release(Device dev, void* p, std::size_t bytes) noexcept;
/// Frees every cached block of `dev` back to the underlying allocator.
void empty_cache(Device dev);

MemStats mem_stats(Device dev);
void reset_peak(Device dev);

/// Copies `bytes` between any two of: host (Ref/CPU), cuda(i), cuda_emulated. Synchronous.
void copy(void* dst, Device dst_dev, const void* src, Device src_dev, std::size_t bytes);
/// Sets `bytes` at `dst` on `dev` to zero.
void zero(void* dst, Device dev, std::size_t bytes);
/// Waits for all work queued on `dev`.
void synchronize(Device dev);

/// Number of real CUDA devices; 0 (with the reason in `why`) when the build has no CUDA backend,
/// there is no driver, or no device answers.
int cuda_device_count(std::string* why = nullptr);
/// True when the build compiled the real CUDA backend (nvcc found at configure time).
bool cuda_compiled();

}  // namespace imram::gpu
