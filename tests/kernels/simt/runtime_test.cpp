// SPDX-License-Identifier: MIT
// The emulator's host side: device memory registry, options and environment, statistics.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "tests/kernels/simt/simt_testing.h"
#include "tests/kernels/simt/test_kernels.cuh"

using namespace simt_test;

TEST_CASE("device memory is aligned, registered and released", "[simt]") {
    const size_t before = simt::registry_bytes_in_use();
    char* a = static_cast<char*>(simt::device_malloc(1000));
    char* b = static_cast<char*>(simt::device_malloc(3));
    REQUIRE(reinterpret_cast<uintptr_t>(a) % 256 == 0);
    REQUIRE(reinterpret_cast<uintptr_t>(b) % 256 == 0);
    REQUIRE(simt::registry_bytes_in_use() == before + 1003);
    REQUIRE(simt::is_device_pointer(a));
    REQUIRE(simt::is_device_pointer(a + 999));
    REQUIRE(simt::is_device_pointer(a + 1000));  // one past the end, as an end pointer argument
    int local = 0;
    REQUIRE_FALSE(simt::is_device_pointer(&local));
    REQUIRE(simt::device_malloc(0) == nullptr);
    simt::device_free(a);
    REQUIRE_FALSE(simt::is_device_pointer(a + 10));
    REQUIRE_THROWS_AS(simt::device_free(&local), std::invalid_argument);
    REQUIRE_THROWS_AS(simt::device_free(b + 1), std::invalid_argument);
    simt::device_free(b);
    simt::device_free(nullptr);
    REQUIRE(simt::registry_bytes_in_use() == before);
}

TEST_CASE("the registry is safe to use from several threads", "[simt]") {
    const size_t before = simt::registry_bytes_in_use();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([] {
            for (int i = 0; i < 500; ++i) {
                void* p = simt::device_malloc(static_cast<size_t>(i + 1));
                if (!simt::is_device_pointer(p)) std::abort();
                simt::device_free(p);
            }
        });
    for (auto& t : threads) t.join();
    REQUIRE(simt::registry_bytes_in_use() == before);
}

TEST_CASE("schedules parse from text and the environment sets the starting options", "[simt]") {
    simt::Options o;
    simt::parse_schedule("reverse", o);
    REQUIRE(o.schedule == simt::Schedule::Reverse);
    simt::parse_schedule("random:99", o);
    REQUIRE(o.schedule == simt::Schedule::Random);
    REQUIRE(o.seed == 99);
    simt::parse_schedule("forward", o);
    REQUIRE(o.schedule == simt::Schedule::Forward);
    REQUIRE_THROWS_AS(simt::parse_schedule("backwards", o), std::invalid_argument);
    REQUIRE_THROWS_AS(simt::parse_schedule("random:x", o), std::invalid_argument);
    simt::Options bad;
    bad.workers = 0;
    REQUIRE_THROWS_AS(simt::set_options(bad), std::invalid_argument);
    // The ctest entry simt_env runs this suite with SIMT_SCHED=random:7 SIMT_THREADS=2. Other tests
    // restore the options they change, so the starting options are still visible here.
    const simt::Options now = simt::options();
    const char* sched = std::getenv("SIMT_SCHED");
    simt::Options want;
    if (sched) simt::parse_schedule(sched, want);
    if (const char* th = std::getenv("SIMT_THREADS")) want.workers = std::atoi(th);
    REQUIRE(now.schedule == want.schedule);
    REQUIRE(now.seed == want.seed);
    REQUIRE(now.workers == want.workers);
}

TEST_CASE("statistics count launches, blocks, threads and fiber switches", "[simt]") {
    const int n = 4096;
    DeviceBuffer<float> dx(std::vector<float>(n, 0.5f)), out(1);
    out.fill(0.0f);
    simt::reset_stats();
    SIMT_LAUNCH(warp_reduce_sum, 4, 128, 0, nullptr, dx.get(), n, out.get());
    const simt::Stats s = simt::stats();
    REQUIRE(out.to_host()[0] == 2048.0f);
    REQUIRE(s.launches == 1);
    REQUIRE(s.blocks == 4);
    REQUIRE(s.threads == 512);
    REQUIRE(s.barriers == 4);
    // Per block: 5 full-warp shuffles for each of 4 warps, 5 more in warp 0 after the barrier.
    REQUIRE(s.warp_ops == 4 * (4 * 5 + 5));
    // Every thread is entered once and again after each rendezvous it waited at.
    REQUIRE(s.fiber_switches > s.threads);
}

TEST_CASE("blocks spread over several workers give the same exact results", "[simt]") {
    const int M = 64, N = 48, K = 40;
    std::vector<float> a(M * K), b(K * N), want(M * N, 0.0f);
    for (int i = 0; i < M * K; ++i) a[static_cast<size_t>(i)] = static_cast<float>(i % 5 - 2);
    for (int i = 0; i < K * N; ++i) b[static_cast<size_t>(i)] = static_cast<float>(i % 3 - 1);
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j)
            for (int k = 0; k < K; ++k) want[static_cast<size_t>(i * N + j)] += a[static_cast<size_t>(i * K + k)] * b[static_cast<size_t>(k * N + j)];
    DeviceBuffer<float> da(a), db(b), dc(M * N);
    for (int workers : {1, 2, 3}) {
        simt::Options o = simt::options();
        o.workers = workers;
        ScopedOptions scope(o);
        dc.fill(NAN);
        SIMT_LAUNCH(matmul_tiled<8>, dim3(N / 8, M / 8), dim3(8, 8), 0, nullptr, da.get(), db.get(), dc.get(), M, N, K);
        REQUIRE(dc.to_host() == want);
    }
}

TEST_CASE("intrinsics called outside a launch throw instead of crashing", "[simt]") {
    REQUIRE_THROWS_AS(__syncthreads(), std::logic_error);
    REQUIRE_THROWS_AS(__shfl_sync(0xffffffffu, 1, 0), std::logic_error);
}

namespace {
// Reads the block's dynamic shared memory before writing it, then scribbles on it.
__global__ void read_then_write_shared(int* out) {
    SIMT_DYNAMIC_SHARED(int, s);
    const int t = static_cast<int>(threadIdx.x);
    out[blockIdx.x * blockDim.x + t] = s[t];
    s[t] = 7;
}
}  // namespace

TEST_CASE("dynamic shared memory starts as 0xFF bytes in every block", "[simt]") {
    const int blocks = 3, threads = 40;
    DeviceBuffer<int> out(blocks * threads);
    out.fill(0);
    SIMT_LAUNCH(read_then_write_shared, blocks, threads, threads * sizeof(int), nullptr, out.get());
    for (int v : out.to_host()) REQUIRE(v == -1);  // never the 7 an earlier block left behind
}
