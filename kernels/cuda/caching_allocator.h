// SPDX-License-Identifier: MIT
// A size-binned caching allocator over a raw allocator (cudaMalloc, or the emulator's registry).
// Raw device allocation is slow and synchronising on a real GPU, and training allocates the same
// shapes every step, so freed blocks are kept and handed out again. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>

#include "kernels/cuda/memory.h"

namespace imram::gpu {

class CachingAllocator {
public:
    using RawAlloc = void* (*)(int device, std::size_t bytes);  // nullptr on failure
    using RawFree = void (*)(int device, void* p);

    CachingAllocator(RawAlloc raw_alloc, RawFree raw_free, int device)
        : raw_alloc_(raw_alloc), raw_free_(raw_free), device_(device) {}
    ~CachingAllocator();
    CachingAllocator(const CachingAllocator&) = delete;
    CachingAllocator& operator=(const CachingAllocator&) = delete;

    /// A block of at least `bytes` (rounded to kGranule); nullptr when the raw allocator fails even
    /// after the cache was emptied.
    void* allocate(std::size_t bytes);
    void deallocate(void* p, std::size_t bytes) noexcept;
    void empty_cache();
    MemStats stats() const;
    void reset_peak();

    /// Blocks are multiples of 512 bytes, so rows of any dtype start 512-aligned within the block.
    static constexpr std::size_t kGranule = 512;
    static std::size_t round_up(std::size_t bytes);

private:
    void free_cached_locked();

    RawAlloc raw_alloc_;
    RawFree raw_free_;
    int device_;
    mutable std::mutex mu_;
    std::multimap<std::size_t, void*> free_blocks_;      // block size -> block
    std::unordered_map<void*, std::size_t> block_size_;  // live and cached blocks -> block size
    MemStats stats_;
};

}  // namespace imram::gpu
