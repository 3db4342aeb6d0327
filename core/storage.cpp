// SPDX-License-Identifier: MIT
#include "core/storage.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "base/check.h"
#include "core/host_block_cache.h"
#include "kernels/cuda/memory.h"

namespace imram {
namespace {
constexpr std::size_t kHostAlign = 64;
std::atomic<std::int64_t> g_in_use{0}, g_peak{0}, g_raw{0};

void note_alloc(std::int64_t b) {
    const std::int64_t now = g_in_use.fetch_add(b) + b;
    std::int64_t peak = g_peak.load();
    while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
    }
    g_raw.fetch_add(1);
}
}  // namespace

Storage::Storage(std::size_t bytes, Device dev) : bytes_(bytes), device_(dev) {
    if (!dev.is_host()) {
        data_ = gpu::alloc(dev, bytes);
        release_ = [dev, bytes](void* p) { gpu::release(dev, p, bytes); };
        return;
    }
    // Large buffers through the block cache (core/host_block_cache.h), the rest from the C allocator.
    HostBlockCache& cache = host_block_cache();
    if (bytes >= HostBlockCache::kMinBlock && cache.capacity() > 0) {
        const HostBlockCache::Block b = cache.allocate(bytes);
        data_ = b.data;
        release_ = [b, &cache](void*) { cache.release(b); };
    } else {
        // aligned_alloc needs a size that is a multiple of the alignment; never request 0 bytes.
        const std::size_t rounded = ((bytes + kHostAlign - 1) / kHostAlign) * kHostAlign;
        data_ = std::aligned_alloc(kHostAlign, rounded == 0 ? kHostAlign : rounded);
        if (!data_) throw std::bad_alloc();
        release_ = [](void* p) { std::free(p); };
    }
    note_alloc(static_cast<std::int64_t>(bytes_));
    counted_ = true;
}

Storage::Storage(void* data, std::size_t bytes, Device dev, std::function<void(void*)> release)
    : data_(data), bytes_(bytes), device_(dev), release_(std::move(release)) {}

Storage::~Storage() {
    if (release_) {
        release_(data_);
        if (counted_) g_in_use.fetch_sub(static_cast<std::int64_t>(bytes_));
    }
}

AllocStats device_alloc_stats(Device dev) {
    if (dev.is_host()) return host_alloc_stats();
    const gpu::MemStats m = gpu::mem_stats(dev);
    return {m.bytes_in_use, m.peak_bytes, m.raw_allocs};
}

AllocStats host_alloc_stats() {
    return {g_in_use.load(), g_peak.load(), g_raw.load()};
}
void host_alloc_reset_peak() {
    g_peak.store(g_in_use.load());
}

}  // namespace imram
