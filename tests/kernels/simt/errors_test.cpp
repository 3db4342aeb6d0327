// SPDX-License-Identifier: MIT
// The emulator catches the classic CUDA bugs, names the kernel line, and stays usable afterwards.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "tests/kernels/simt/simt_testing.h"
#include "tests/kernels/simt/test_kernels.cuh"

using namespace simt_test;
using Catch::Matchers::Contains;

namespace {

// A correct launch after an error: the emulator (fiber pools, scheduler, registry) still works.
void expect_next_launch_works() {
    const int n = 1000;
    std::vector<float> x(n, 1.0f);
    DeviceBuffer<float> dx(x), out(1);
    out.fill(0.0f);
    SIMT_LAUNCH(warp_reduce_sum, 2, 128, 0, nullptr, dx.get(), n, out.get());
    REQUIRE(out.to_host()[0] == static_cast<float>(n));
}

std::string launch_error(const std::function<void()>& launch) {
    try {
        launch();
    } catch (const simt::KernelError& e) {
        return e.what();
    }
    return "no KernelError";
}

// Throwing from a kernel is not CUDA, so this kernel lives here rather than in test_kernels.cuh.
__global__ void throws_in_thread_5(float* y) {
    if (threadIdx.x == 5) throw std::runtime_error("thread five failed");
    __syncthreads();
    y[threadIdx.x] = 1.0f;
}

}  // namespace

TEST_CASE("bug class 1: a missing __syncthreads gives a wrong sum under some schedule", "[simt]") {
    const int n = 256 * 8;
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i % 7) - 3.0f;
    double want = 0;
    for (float v : x) want += v;
    DeviceBuffer<float> dx(x), partial(8);
    int wrong = 0;
    for (const RunConfig& c : all_configs()) {
        ScopedOptions scope(c);
        SIMT_LAUNCH(block_reduce_sum<true>, 8, 256, 256 * sizeof(float), nullptr, dx.get(), n, partial.get());
        double good = 0;
        for (float v : partial.to_host()) good += v;
        REQUIRE(good == want);
        SIMT_LAUNCH(block_reduce_sum<false>, 8, 256, 256 * sizeof(float), nullptr, dx.get(), n, partial.get());
        double bad = 0;
        for (float v : partial.to_host()) bad += v;
        wrong += bad != want;
    }
    REQUIRE(wrong > 0);
}

TEST_CASE("bug class 2: an early return before a barrier throws naming the barrier's line", "[simt]") {
    std::vector<float> x(256, 1.0f);
    DeviceBuffer<float> dx(x), dy(256);
    const std::string site = kernel_site("early-return-barrier");
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        const std::string msg =
            launch_error([&] { SIMT_LAUNCH(early_return_before_barrier, 2, 256, 0, nullptr, dx.get(), 200, dy.get()); });
        REQUIRE_THAT(msg, Contains("barrier divergence") && Contains(site) && Contains("early_return_before_barrier") &&
                              Contains("errors_test.cpp"));
        expect_next_launch_works();
    }
    // With n = 256 no thread returns early, and the same kernel is fine.
    SIMT_LAUNCH(early_return_before_barrier, 1, 256, 0, nullptr, dx.get(), 256, dy.get());
    REQUIRE(dy.to_host()[0] == 1.0f);
}

TEST_CASE("bug class 3: a full-mask shuffle in a 48-thread block throws naming the mask", "[simt]") {
    std::vector<float> x(64, 1.0f);
    DeviceBuffer<float> dx(x), dy(64);
    const std::string site = kernel_site("full-mask-shuffle");
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        const std::string msg = launch_error([&] { SIMT_LAUNCH(full_mask_shuffle, 1, 48, 0, nullptr, dx.get(), dy.get()); });
        REQUIRE_THAT(msg, Contains("mask 0xffffffff names lanes that do not exist") && Contains(site) &&
                              Contains("__shfl_xor_sync"));
        expect_next_launch_works();
    }
    SIMT_LAUNCH(full_mask_shuffle, 1, 64, 0, nullptr, dx.get(), dy.get());  // whole warps: fine
    REQUIRE(dy.to_host()[63] == 2.0f);
}

TEST_CASE("threads waiting at two different barriers is an error naming both lines", "[simt]") {
    DeviceBuffer<float> dy(64);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        const std::string msg = launch_error([&] { SIMT_LAUNCH(two_barrier_sites, 1, 64, 0, nullptr, dy.get()); });
        REQUIRE_THAT(msg, Contains("different") && Contains(kernel_site("odd-barrier")) &&
                              Contains(kernel_site("even-barrier")));
        expect_next_launch_works();
    }
}

TEST_CASE("a deadlock is reported with where the threads wait", "[simt]") {
    DeviceBuffer<float> dy(32);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        const std::string msg = launch_error([&] { SIMT_LAUNCH(shuffle_against_barrier, 1, 32, 0, nullptr, dy.get()); });
        REQUIRE_THAT(msg, Contains("deadlock") && Contains(kernel_site("deadlock-shuffle")) &&
                              Contains(kernel_site("deadlock-barrier")) && Contains("16 thread(s) wait at __syncthreads"));
        expect_next_launch_works();
    }
}

TEST_CASE("lanes disagreeing on the mask, and reading a lane outside the mask, are errors", "[simt]") {
    DeviceBuffer<float> dy(32);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        // Depending on the order, lanes 0-7 either meet the full-mask lanes (disagreement) or finish
        // first and then are named, already exited, by the full mask.
        const std::string msg = launch_error([&] { SIMT_LAUNCH(mask_disagreement, 1, 32, 0, nullptr, dy.get()); });
        REQUIRE_THAT(msg, Contains(kernel_site("mask-disagreement")) &&
                              (Contains("disagree on the mask") || Contains("have already exited")));
        if (c.schedule == simt::Schedule::Reverse) REQUIRE_THAT(msg, Contains("disagree on the mask"));
        const std::string src =
            launch_error([&] { SIMT_LAUNCH(source_outside_mask, 1, 32, 0, nullptr, dy.get(), 16); });
        REQUIRE_THAT(src, Contains("reads lane 16, which is not in mask 0xffff") &&
                              Contains(kernel_site("source-outside-mask")));
        expect_next_launch_works();
    }
    SIMT_LAUNCH(source_outside_mask, 1, 32, 0, nullptr, dy.get(), 15);  // inside the mask: fine
    REQUIRE(dy.to_host()[0] == 15.0f);
}

TEST_CASE("an exception inside a kernel propagates as KernelError", "[simt]") {
    DeviceBuffer<float> dy(64);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        const std::string msg = launch_error([&] { SIMT_LAUNCH(throws_in_thread_5, 3, 64, 0, nullptr, dy.get()); });
        REQUIRE_THAT(msg, Contains("thread five failed") && Contains("thread (5,0,0)") && Contains("throws_in_thread_5"));
        expect_next_launch_works();
    }
}

TEST_CASE("a host pointer passed as a kernel argument is rejected, naming the argument", "[simt]") {
    std::vector<float> host(1000, 1.0f);
    DeviceBuffer<float> out(1);
    const std::string msg =
        launch_error([&] { SIMT_LAUNCH(warp_reduce_sum, 1, 64, 0, nullptr, host.data(), 1000, out.get()); });
    REQUIRE_THAT(msg, Contains("argument 0") && Contains("host pointer passed where a device pointer belongs") &&
                          Contains("warp_reduce_sum"));
    DeviceBuffer<float> dev(host);
    const std::string second =
        launch_error([&] { SIMT_LAUNCH(warp_reduce_sum, 1, 64, 0, nullptr, dev.get(), 1000, host.data()); });
    REQUIRE_THAT(second, Contains("argument 2"));
    // Turned off, the same launch runs (emulated device memory is host memory).
    simt::Options o = simt::options();
    o.check_pointers = false;
    {
        ScopedOptions scope(o);
        float sum = 0.0f;
        SIMT_LAUNCH(warp_reduce_sum, 1, 64, 0, nullptr, host.data(), 1000, &sum);
        REQUIRE(sum == 1000.0f);
    }
    expect_next_launch_works();
}

TEST_CASE("bad launch configurations are rejected before running", "[simt]") {
    DeviceBuffer<float> dx(std::vector<float>(2048, 1.0f)), out(64);
    const auto before = simt::stats();
    REQUIRE_THAT(launch_error([&] { SIMT_LAUNCH(warp_reduce_sum, 1, dim3(32, 33), 0, nullptr, dx.get(), 10, out.get()); }),
                 Contains("1056 threads, more than 1024"));
    REQUIRE_THAT(launch_error([&] { SIMT_LAUNCH(warp_reduce_sum, 0, 64, 0, nullptr, dx.get(), 10, out.get()); }),
                 Contains("zero dimension"));
    REQUIRE_THAT(launch_error([&] { SIMT_LAUNCH(warp_reduce_sum, 1, dim3(1, 1, 65), 0, nullptr, dx.get(), 10, out.get()); }),
                 Contains("per-dimension"));
    auto kernel = block_reduce_sum<true>;
    REQUIRE_THAT(launch_error([&] { SIMT_LAUNCH(kernel, 1, 64, 64 * 1024, nullptr, dx.get(), 64, out.get()); }),
                 Contains("65536 bytes of dynamic shared memory exceed the kernel's limit of 49152"));
    REQUIRE(simt::stats().launches == before.launches);
    REQUIRE(simt_set_max_dynamic_shared(kernel, 64 * 1024) == 0);
    SIMT_LAUNCH(kernel, 1, 64, 64 * 1024, nullptr, dx.get(), 64, out.get());
    REQUIRE(out.to_host()[0] == 64.0f);
    REQUIRE_THROWS_AS(simt_set_max_dynamic_shared(kernel, 300 * 1024), std::invalid_argument);
}
