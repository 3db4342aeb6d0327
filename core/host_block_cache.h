// SPDX-License-Identifier: MIT
// Large host buffers kept for reuse. A training step allocates the same big activations every step
// (the chosen pairs' (P, R, 2D) projections are tens of MB); fresh ones come from mmap, so every step
// paid their page faults and the kernel's zeroing again: 0.1 s of a 1.8 s B = 32 step
// (docs/PERFORMANCE.md). Blocks of kMinBlock and more go through this cache; smaller ones straight to
// the C allocator, which already reuses them. Bounded: a release that would take the cache past its
// capacity frees the block instead. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace imram {

struct HostCacheStats {
    std::int64_t cached_bytes = 0;  // free blocks held for reuse
    std::int64_t hits = 0;          // allocations served from the cache
    std::int64_t misses = 0;        // allocations of kMinBlock or more that went to the C allocator
};

class HostBlockCache {
public:
    /// Blocks below this size are not cached.
    static constexpr std::size_t kMinBlock = std::size_t(1) << 20;
    /// Block sizes are multiples of this (64-byte aligned, as all host storage).
    static constexpr std::size_t kGranule = std::size_t(64) << 10;

    explicit HostBlockCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}
    ~HostBlockCache();
    HostBlockCache(const HostBlockCache&) = delete;
    HostBlockCache& operator=(const HostBlockCache&) = delete;

    struct Block {
        void* data = nullptr;
        std::size_t bytes = 0;  // the block's size, at least the request; pass it back to release()
    };
    /// A block of at least `bytes` (>= kMinBlock): a cached one no more than 1/8 larger when there is
    /// one, else a new one. Throws std::bad_alloc when even an emptied cache leaves no memory.
    Block allocate(std::size_t bytes);
    /// Keeps the block for reuse, or frees it when the cache is full (or its capacity is 0).
    void release(Block b) noexcept;
    /// Frees every cached block.
    void empty();
    HostCacheStats stats() const;
    std::size_t capacity() const { return capacity_; }

private:
    void free_all_locked() noexcept;

    const std::size_t capacity_;
    mutable std::mutex mu_;
    std::multimap<std::size_t, void*> free_;  // block size -> block
    HostCacheStats stats_;
};

/// The process's cache, used by host Storage. Capacity: IMRAM_HOST_CACHE_MB (MiB; 0 turns caching off),
/// else 1024 MiB; 0 in builds with AddressSanitizer, so that every freed buffer stays poisoned and a
/// use after free is still caught.
HostBlockCache& host_block_cache();
/// The capacity IMRAM_HOST_CACHE_MB's text asks for, in bytes (null or empty: the default); throws
/// imram::Error naming the variable for anything but a whole number of MiB.
std::size_t host_cache_capacity_from(const char* mib_text);

}  // namespace imram
