// SPDX-License-Identifier: MIT
#include "core/host_block_cache.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <new>
#include <string>

#include "base/check.h"

#if defined(__SANITIZE_ADDRESS__)
#define IMRAM_HOST_CACHE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMRAM_HOST_CACHE_ASAN 1
#endif
#endif

namespace imram {
namespace {

constexpr std::size_t kAlign = 64;

std::size_t capacity_from_environment() {
    const std::size_t asked = host_cache_capacity_from(std::getenv("IMRAM_HOST_CACHE_MB"));  // checked always
#ifdef IMRAM_HOST_CACHE_ASAN
    (void)asked;
    return 0;
#else
    return asked;
#endif
}

}  // namespace

std::size_t host_cache_capacity_from(const char* mib_text) {
    constexpr std::size_t kDefaultMiB = 1024;
    if (mib_text == nullptr || *mib_text == '\0') return kDefaultMiB << 20;
    char* end = nullptr;
    errno = 0;
    const unsigned long long mib = std::strtoull(mib_text, &end, 10);
    IMRAM_CHECK(end != mib_text && *end == '\0' && errno == 0 && mib_text[0] != '-' && mib <= (1ull << 24),
                "IMRAM_HOST_CACHE_MB: expected a whole number of MiB up to 16777216 (0 turns the host buffer cache "
                "off), got '", mib_text, "'");
    return static_cast<std::size_t>(mib) << 20;
}

HostBlockCache::~HostBlockCache() {
    std::lock_guard<std::mutex> lock(mu_);
    free_all_locked();
}

HostBlockCache::Block HostBlockCache::allocate(std::size_t bytes) {
    const std::size_t size = (std::max(bytes, kMinBlock) + kGranule - 1) / kGranule * kGranule;
    {
        std::lock_guard<std::mutex> lock(mu_);
        // Best fit, at most 1/8 larger: a big cached block must not pin memory for a smaller tensor.
        auto it = free_.lower_bound(size);
        if (it != free_.end() && it->first <= size + size / 8) {
            const Block b{it->second, it->first};
            stats_.cached_bytes -= static_cast<std::int64_t>(it->first);
            free_.erase(it);
            ++stats_.hits;
            return b;
        }
        ++stats_.misses;
    }
    void* p = std::aligned_alloc(kAlign, size);
    if (p == nullptr) {
        empty();  // out of memory: give the cache back and retry once
        p = std::aligned_alloc(kAlign, size);
        if (p == nullptr) throw std::bad_alloc();
    }
    return {p, size};
}

void HostBlockCache::release(Block b) noexcept {
    if (b.data == nullptr) return;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (static_cast<std::size_t>(stats_.cached_bytes) + b.bytes <= capacity_) {
            try {
                free_.emplace(b.bytes, b.data);
                stats_.cached_bytes += static_cast<std::int64_t>(b.bytes);
                return;
            } catch (...) {  // no memory for the entry: free the block below
            }
        }
    }
    std::free(b.data);
}

void HostBlockCache::empty() {
    std::lock_guard<std::mutex> lock(mu_);
    free_all_locked();
}

void HostBlockCache::free_all_locked() noexcept {
    for (auto& [size, p] : free_) std::free(p);
    free_.clear();
    stats_.cached_bytes = 0;
}

HostCacheStats HostBlockCache::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
}

HostBlockCache& host_block_cache() {
    // Never destroyed: storage released during static destruction still finds it.
    static HostBlockCache* cache = new HostBlockCache(capacity_from_environment());
    return *cache;
}

}  // namespace imram
