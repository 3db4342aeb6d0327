// SPDX-License-Identifier: MIT
// The host block cache (core/host_block_cache.h): reuse, its fit rule, its capacity, and host storage
// going through it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/host_block_cache.h"
#include "core/ops.h"
#include "core/storage.h"

using namespace imram;

TEST_CASE("host block cache: a released block is handed out again for a request it fits", "[core]") {
    constexpr std::size_t MiB = std::size_t(1) << 20;
    HostBlockCache cache(64 * MiB);
    const HostBlockCache::Block a = cache.allocate(3 * MiB + 5);
    REQUIRE(a.data != nullptr);
    CHECK(a.bytes >= 3 * MiB + 5);
    CHECK(a.bytes % HostBlockCache::kGranule == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(a.data) % 64 == 0);
    std::memset(a.data, 1, a.bytes);  // the whole block is usable
    cache.release(a);
    CHECK(cache.stats().cached_bytes == static_cast<std::int64_t>(a.bytes));

    const HostBlockCache::Block b = cache.allocate(3 * MiB);  // same size class: the same block
    CHECK(b.data == a.data);
    CHECK(b.bytes == a.bytes);
    CHECK(cache.stats().hits == 1);
    CHECK(cache.stats().cached_bytes == 0);
    cache.release(b);

    // Far smaller (the block is more than 1/8 larger than the request): a new block, the big one stays.
    const HostBlockCache::Block c = cache.allocate(MiB);
    CHECK(c.data != a.data);
    CHECK(cache.stats().cached_bytes == static_cast<std::int64_t>(a.bytes));
    // Larger than every cached block: a new one.
    const HostBlockCache::Block d = cache.allocate(5 * MiB);
    CHECK(d.data != a.data);
    CHECK(cache.stats().misses == 3);
    cache.release(c);
    cache.release(d);
    cache.empty();
    CHECK(cache.stats().cached_bytes == 0);
}

TEST_CASE("host block cache: never holds more than its capacity; capacity 0 caches nothing", "[core]") {
    constexpr std::size_t MiB = std::size_t(1) << 20;
    HostBlockCache cache(5 * MiB);
    const HostBlockCache::Block a = cache.allocate(4 * MiB), b = cache.allocate(4 * MiB);
    cache.release(a);
    cache.release(b);  // would take the cache to 8 MiB: freed instead
    CHECK(cache.stats().cached_bytes == static_cast<std::int64_t>(4 * MiB));
    const HostBlockCache::Block c = cache.allocate(4 * MiB), d = cache.allocate(4 * MiB);
    CHECK(cache.stats().hits == 1);
    cache.release(c);
    cache.release(d);

    HostBlockCache off(0);
    const HostBlockCache::Block e = off.allocate(2 * MiB);
    off.release(e);
    CHECK(off.stats().cached_bytes == 0);
    const HostBlockCache::Block f = off.allocate(2 * MiB);
    CHECK(off.stats().hits == 0);
    off.release(f);
}

TEST_CASE("host block cache: large host tensors reuse cached blocks, small ones never enter", "[core]") {
    HostBlockCache& cache = host_block_cache();
    if (cache.capacity() == 0) {
        SUCCEED("the cache is off in this build (AddressSanitizer) or by IMRAM_HOST_CACHE_MB=0");
        return;
    }
    cache.empty();  // so the block released below is the only one of its size
    const HostCacheStats before = cache.stats();
    const void* first = nullptr;
    {
        const Tensor big = ones({1024, 1024}, DType::F32);  // 4 MiB
        first = big.raw_data();
    }
    {
        const Tensor again = zeros({1024, 1024}, DType::F32);
        CHECK(again.raw_data() == first);
        const std::vector<float> v = again.to_vector<float>();  // the reused block holds the ones
        CHECK(std::all_of(v.begin(), v.end(), [](float x) { return x == 0.f; }));
    }
    const HostCacheStats after = cache.stats();
    CHECK(after.hits >= before.hits + 1);
    {
        const Tensor small = zeros({16, 16}, DType::F32);  // 1 KiB: not through the cache
        (void)small;
    }
    const HostCacheStats after_small = cache.stats();
    CHECK(after_small.hits == after.hits);
    CHECK(after_small.misses == after.misses);
}

TEST_CASE("host block cache: IMRAM_HOST_CACHE_MB is a whole number of MiB", "[core][errors]") {
    constexpr std::size_t MiB = std::size_t(1) << 20;
    CHECK(host_cache_capacity_from(nullptr) == 1024 * MiB);
    CHECK(host_cache_capacity_from("") == 1024 * MiB);
    CHECK(host_cache_capacity_from("0") == 0);
    CHECK(host_cache_capacity_from("256") == 256 * MiB);
    for (const char* bad : {"abc", "-1", "12x", "1.5", "99999999999"})
        CHECK_THROWS_WITH(host_cache_capacity_from(bad),
                          Catch::Contains("IMRAM_HOST_CACHE_MB") && Catch::Contains("whole number of MiB") &&
                              Catch::Contains(bad));
}
