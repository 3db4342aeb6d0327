// SPDX-License-Identifier: MIT
// Emulated kernels give the right answers under every schedule and worker count.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "tests/kernels/simt/simt_testing.h"
#include "tests/kernels/simt/test_kernels.cuh"

using namespace simt_test;

namespace {

std::vector<float> random_floats(size_t n, float lo, float hi, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

double sum_double(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += x;
    return s;
}

}  // namespace

TEST_CASE("block tree reduction with dynamic shared memory matches a double sum", "[simt]") {
    const int n = 100000;
    const auto x = random_floats(n, -1.0f, 1.0f, 1);
    const double want = sum_double(x);
    const int blocks = 64, threads = 256;
    DeviceBuffer<float> dx(x), partial(blocks);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        partial.fill(NAN);
        SIMT_LAUNCH(block_reduce_sum<true>, blocks, threads, threads * sizeof(float), nullptr, dx.get(), n, partial.get());
        const double got = sum_double(partial.to_host());
        REQUIRE(std::abs(got - want) <= 1e-3);
    }
}

TEST_CASE("warp-shuffle reduction with atomics matches a double sum", "[simt]") {
    const int n = 1 << 18;
    const auto x = random_floats(n, -1.0f, 1.0f, 2);
    const double want = sum_double(x);
    DeviceBuffer<float> dx(x), out(1);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        out.fill(0.0f);
        SIMT_LAUNCH(warp_reduce_sum, 32, 256, 0, nullptr, dx.get(), n, out.get());
        REQUIRE(std::abs(out.to_host()[0] - want) <= 2e-3);
    }
}

TEST_CASE("tiled matmul with static shared memory in a template kernel equals a naive loop on ragged sizes", "[simt]") {
    const int M = 100, N = 70, K = 33;
    // Small integers: every product and partial sum is exact in float, so any order must agree bitwise.
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> d(-4, 4);
    std::vector<float> a(M * K), b(K * N), want(M * N, 0.0f);
    for (float& v : a) v = static_cast<float>(d(rng));
    for (float& v : b) v = static_cast<float>(d(rng));
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j)
            for (int k = 0; k < K; ++k) want[i * N + j] += a[i * K + k] * b[k * N + j];
    DeviceBuffer<float> da(a), db(b), dc(M * N);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        dc.fill(NAN);
        SIMT_LAUNCH(matmul_tiled<16>, dim3((N + 15) / 16, (M + 15) / 16), dim3(16, 16), 0, nullptr, da.get(), db.get(),
                    dc.get(), M, N, K);
        REQUIRE(dc.to_host() == want);
        dc.fill(NAN);
        SIMT_LAUNCH(matmul_tiled<8>, dim3((N + 7) / 8, (M + 7) / 8), dim3(8, 8), 0, nullptr, da.get(), db.get(), dc.get(),
                    M, N, K);
        REQUIRE(dc.to_host() == want);
    }
}

TEST_CASE("masked softmax rows match a double reference, fully masked rows give zeros", "[simt]") {
    for (int cols : {1, 37, 300}) {
        const int rows = 7;
        const auto x = random_floats(static_cast<size_t>(rows * cols), -30.0f, 30.0f, static_cast<unsigned>(cols));
        std::vector<unsigned char> mask(x.size());
        std::mt19937 rng(4);
        for (size_t i = 0; i < mask.size(); ++i) mask[i] = (rng() % 4) != 0;
        for (int c = 0; c < cols; ++c) mask[static_cast<size_t>(2 * cols + c)] = 0;  // row 2 fully masked
        std::vector<double> want(x.size(), 0.0);
        for (int r = 0; r < rows; ++r) {
            double m = -INFINITY, s = 0;
            for (int c = 0; c < cols; ++c)
                if (mask[r * cols + c]) m = std::max(m, static_cast<double>(x[r * cols + c]));
            for (int c = 0; c < cols; ++c)
                if (mask[r * cols + c]) s += std::exp(x[r * cols + c] - m);
            for (int c = 0; c < cols; ++c)
                if (mask[r * cols + c]) want[r * cols + c] = std::exp(x[r * cols + c] - m) / s;
        }
        DeviceBuffer<float> dx(x), dy(x.size());
        DeviceBuffer<unsigned char> dm(mask);
        for (int threads : {32, 96, 256}) {
            for (const RunConfig& c : all_configs()) {
                INFO(c.name << " cols=" << cols << " threads=" << threads);
                ScopedOptions scope(c);
                dy.fill(NAN);
                SIMT_LAUNCH(masked_softmax_rows, rows, threads, 0, nullptr, dx.get(), dm.get(), dy.get(), cols);
                const auto y = dy.to_host();
                double err = 0;
                for (size_t i = 0; i < y.size(); ++i) err = std::max(err, std::abs(y[i] - want[i]));
                REQUIRE(err <= 1e-6);
                for (int col = 0; col < cols; ++col) REQUIRE(y[static_cast<size_t>(2 * cols + col)] == 0.0f);
            }
        }
    }
}

TEST_CASE("disjoint half-warp masks rendezvous separately", "[simt]") {
    std::vector<float> x(64);
    for (int i = 0; i < 64; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i * i % 17);
    DeviceBuffer<float> dx(x), dy(64);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        SIMT_LAUNCH(half_warp_sums, 1, 64, 0, nullptr, dx.get(), dy.get());
        const auto y = dy.to_host();
        for (int t = 0; t < 64; ++t) {
            float want = 0;
            for (int j = t / 16 * 16; j < t / 16 * 16 + 16; ++j) want += x[static_cast<size_t>(j)];
            REQUIRE(y[static_cast<size_t>(t)] == want);
        }
    }
}

TEST_CASE("warp intrinsics follow CUDA's definitions (segments, widths, votes, 8-byte values)", "[simt]") {
    const int n = 64;
    DeviceBuffer<int> idx(n), up(n), down(n), bfly(n), any(n), all(n), count(n), band(n), bor(n);
    DeviceBuffer<unsigned> ballot(n);
    DeviceBuffer<double> dbl(n);
    DeviceBuffer<long long> ll(n);
    for (const RunConfig& c : all_configs()) {
        INFO(c.name);
        ScopedOptions scope(c);
        SIMT_LAUNCH(warp_semantics, 1, n, 0, nullptr, idx.get(), up.get(), down.get(), bfly.get(), ballot.get(), any.get(),
                    all.get(), count.get(), band.get(), bor.get(), dbl.get(), ll.get());
        unsigned ballot_want[2] = {0, 0};
        for (int t = 0; t < n; ++t)
            if (t % 3 == 0) ballot_want[t / 32] |= 1u << (t % 32);
        for (int t = 0; t < n; ++t) {
            INFO("thread " << t);
            const int lane = t % 32, warp0 = t / 32 * 32;
            const size_t i = static_cast<size_t>(t);
            CHECK(idx.to_host()[i] == (warp0 + (lane * 7) % 32) * 10);
            CHECK(up.to_host()[i] == (lane % 8 >= 3 ? t - 3 : t));
            CHECK(down.to_host()[i] == (lane % 16 + 5 < 16 ? t + 5 : t));
            const int x = lane ^ 9;  // width 8: a partner in a later 8-lane segment leaves the value as it is
            CHECK(bfly.to_host()[i] == (x < (lane / 8 + 1) * 8 ? warp0 + x : t));
            CHECK(ballot.to_host()[i] == ballot_want[t / 32]);
            CHECK(any.to_host()[i] == (t >= 32 ? 1 : 0));
            CHECK(all.to_host()[i] == (t < 32 ? 1 : 0));
            CHECK(count.to_host()[i] == 13);  // t % 5 == 0 for t in [0, 64)
            CHECK(band.to_host()[i] == 1);
            CHECK(bor.to_host()[i] == 1);
            CHECK(dbl.to_host()[i] == (lane < 31 ? 0.5 * (t + 1) + 1e-300 : 0.5 * t + 1e-300));
            CHECK(ll.to_host()[i] == static_cast<long long>(warp0 + 31 - lane) << 40);
        }
    }
}

TEST_CASE("3-D grids and blocks map indices like CUDA", "[simt]") {
    const dim3 grid(2, 3, 2), block(4, 2, 3);
    const int blocks = 12, threads = 24;
    DeviceBuffer<int> out(static_cast<size_t>(6 * blocks * threads));
    out.fill(-1);
    SIMT_LAUNCH(record_indices, grid, block, 0, nullptr, out.get());
    const auto o = out.to_host();
    for (int b = 0; b < blocks; ++b)
        for (int t = 0; t < threads; ++t) {
            const int* r = &o[static_cast<size_t>(6 * (b * threads + t))];
            REQUIRE(r[0] == b % 2);
            REQUIRE(r[1] == b / 2 % 3);
            REQUIRE(r[2] == b / 6);
            REQUIRE(r[3] == t % 4);
            REQUIRE(r[4] == t / 4 % 2);
            REQUIRE(r[5] == t / 8);
        }
}
