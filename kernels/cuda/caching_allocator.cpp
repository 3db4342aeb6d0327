// SPDX-License-Identifier: MIT
#include "kernels/cuda/caching_allocator.h"

#include <algorithm>

namespace imram::gpu {

std::size_t CachingAllocator::round_up(std::size_t bytes) {
    return std::max<std::size_t>(kGranule, (bytes + kGranule - 1) / kGranule * kGranule);
}

CachingAllocator::~CachingAllocator() {
    std::lock_guard<std::mutex> lock(mu_);
    free_cached_locked();
}

void* CachingAllocator::allocate(std::size_t bytes) {
    const std::size_t size = round_up(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    // Best fit, but never more than twice the request: a huge cached block must not pin memory
    // for a tiny tensor.
    auto it = free_blocks_.lower_bound(size);
    void* p = nullptr;
    if (it != free_blocks_.end() && it->first <= 2 * size) {
        p = it->second;
        stats_.cached_bytes -= static_cast<std::int64_t>(it->first);
        free_blocks_.erase(it);
        ++stats_.cache_hits;
    } else {
        p = raw_alloc_(device_, size);
        if (!p && !free_blocks_.empty()) {
            free_cached_locked();  // out of memory: give the cache back and retry once
            p = raw_alloc_(device_, size);
        }
        if (!p) return nullptr;
        block_size_[p] = size;
        ++stats_.raw_allocs;
    }
    stats_.bytes_in_use += static_cast<std::int64_t>(bytes);
    stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.bytes_in_use);
    return p;
}

void CachingAllocator::deallocate(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = block_size_.find(p);
    if (it == block_size_.end()) return;  // not ours; the caller's bug, but never a double free
    try {
        free_blocks_.emplace(it->second, p);
        stats_.cached_bytes += static_cast<std::int64_t>(it->second);
    } catch (...) {
        raw_free_(device_, p);  // no memory for the cache entry: free it directly
        block_size_.erase(it);
    }
    stats_.bytes_in_use -= static_cast<std::int64_t>(bytes);
}

void CachingAllocator::free_cached_locked() {
    for (auto& [size, p] : free_blocks_) {
        raw_free_(device_, p);
        block_size_.erase(p);
    }
    free_blocks_.clear();
    stats_.cached_bytes = 0;
}

void CachingAllocator::empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    free_cached_locked();
}

MemStats CachingAllocator::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
}

void CachingAllocator::reset_peak() {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.peak_bytes = stats_.bytes_in_use;
}

}  // namespace imram::gpu
