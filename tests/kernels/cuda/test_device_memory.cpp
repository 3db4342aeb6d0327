// SPDX-License-Identifier: MIT
// Device memory on cuda_emulated: the caching allocator's statistics, copies in every direction,
// and the pointer checks that stand in for a GPU's illegal-address faults.
#include <catch2/catch.hpp>

#include "core/ops.h"
#include "core/storage.h"
#include "kernels/cuda/caching_allocator.h"
#include "kernels/cuda/memory.h"
#include "kernels/simt/runtime.h"
#include "tests/testing/compare.h"

using namespace imram;

namespace {
int g_raw_allocs = 0, g_raw_frees = 0;
void* counting_alloc(int, std::size_t bytes) {
    if (bytes > (1u << 30)) return nullptr;  // "out of memory"
    ++g_raw_allocs;
    return ::operator new(bytes);
}
void counting_free(int, void* p) {
    ++g_raw_frees;
    ::operator delete(p);
}
}  // namespace

TEST_CASE("caching allocator: reuses freed blocks, keeps statistics, empties its cache", "[gpu]") {
    g_raw_allocs = g_raw_frees = 0;
    {
        gpu::CachingAllocator a(counting_alloc, counting_free, 0);
        void* p = a.allocate(1000);
        REQUIRE(p);
        CHECK(a.stats().bytes_in_use == 1000);
        CHECK(a.stats().raw_allocs == 1);
        a.deallocate(p, 1000);
        CHECK(a.stats().bytes_in_use == 0);
        CHECK(a.stats().cached_bytes == 1024);
        void* q = a.allocate(900);  // same 1024-byte block
        CHECK(q == p);
        CHECK(a.stats().cache_hits == 1);
        CHECK(g_raw_allocs == 1);
        void* big = a.allocate(4096);  // the cached block is too small: a new raw allocation
        CHECK(big != q);
        CHECK(g_raw_allocs == 2);
        CHECK(a.stats().peak_bytes == 900 + 4096);
        a.deallocate(q, 900);
        void* huge = a.allocate(100000);  // a small cached block is not handed out for a huge request
        CHECK(huge != q);
        a.deallocate(big, 4096);
        a.deallocate(huge, 100000);
        a.reset_peak();
        CHECK(a.stats().peak_bytes == 0);
        CHECK(a.allocate(std::size_t(2) << 30) == nullptr);  // raw failure, after emptying the cache
        CHECK(a.stats().cached_bytes == 0);
        CHECK(g_raw_frees == 3);
    }
    CHECK(g_raw_frees == g_raw_allocs);
}

TEST_CASE("cuda_emulated tensors: copies both ways, creation, statistics", "[gpu]") {
    const Device emu = Device::cuda_emulated();
    const std::int64_t before = device_alloc_stats(emu).bytes_in_use;
    {
        Tensor h = randn({7, 5}, 3, 0);
        Tensor d = h.to(emu);
        CHECK(d.device() == emu);
        CHECK(device_alloc_stats(emu).bytes_in_use == before + 7 * 5 * 4);
        CHECK(testing::diff(d.to(Device::cpu()), h).max_abs == 0.0);
        // A strided view is made contiguous on the device before the copy.
        Tensor t = transpose(d, 0, 1).to(Device::cpu());
        CHECK(testing::diff(t, transpose(h, 0, 1).contiguous()).max_abs == 0.0);
        CHECK(zeros({3}, DType::F32, emu).to_vector<float>() == std::vector<float>{0, 0, 0});
        CHECK(full({2}, 2.5, DType::F64, emu).to_vector<double>() == std::vector<double>{2.5, 2.5});
        CHECK(from_vector(std::vector<std::int64_t>{4}, {1}, emu).item<std::int64_t>() == 4);
        CHECK(d.to(DType::F64).device() == emu);
    }
    CHECK(device_alloc_stats(emu).bytes_in_use == before);
}

TEST_CASE("cuda_emulated copies reject host pointers posing as device memory", "[gpu][errors]") {
    std::vector<float> host(16, 1.0f);
    void* dev = gpu::alloc(Device::cuda_emulated(), 64);
    CHECK_NOTHROW(gpu::copy(dev, Device::cuda_emulated(), host.data(), Device::cpu(), 64));
    CHECK_THROWS_WITH(gpu::copy(host.data(), Device::cuda_emulated(), dev, Device::cpu(), 64),
                      Catch::Contains("is not cuda_emulated device memory"));
    CHECK_THROWS_WITH(gpu::copy(host.data(), Device::cpu(), dev, Device::cpu(), 64),
                      Catch::Contains("is device memory but was given as host"));
    // Running past the end of an allocation is caught too.
    CHECK_THROWS_WITH(gpu::copy(dev, Device::cuda_emulated(), host.data(), Device::cpu(), 4096),
                      Catch::Contains("is not cuda_emulated device memory"));
    gpu::release(Device::cuda_emulated(), dev, 64);
}

TEST_CASE("device cuda without a GPU or without the backend is a clear error", "[gpu][errors]") {
    std::string why;
    if (gpu::cuda_device_count(&why) > 0) return;  // a real GPU answers: nothing to check here
    INFO(why);
    CHECK(!why.empty());
    CHECK_THROWS_AS(zeros({2}, DType::F32, Device::cuda(0)), Error);
}

TEST_CASE("emulated device ranges: a range must lie in one allocation", "[gpu]") {
    void* a = simt::device_malloc(1000);
    void* b = simt::device_malloc(1000);
    CHECK(simt::is_device_range(a, 1000));
    CHECK(simt::is_device_range(static_cast<char*>(a) + 10, 990));
    CHECK_FALSE(simt::is_device_range(a, 1001));
    CHECK_FALSE(simt::is_device_range(static_cast<char*>(a) + 999, 2));
    std::vector<char> host(8);
    CHECK_FALSE(simt::is_device_range(host.data(), 8));
    simt::device_free(a);
    CHECK_FALSE(simt::is_device_range(a, 1));  // freed
    CHECK(simt::is_device_range(b, 1000));
    simt::device_free(b);
}
