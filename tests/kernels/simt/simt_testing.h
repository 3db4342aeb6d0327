// SPDX-License-Identifier: MIT
// Helpers for the emulator's tests: device buffers, the schedule x worker matrix, option restore,
// and the kernel source line behind a `// @marker` in test_kernels.cuh.
#pragma once

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/simt/simt.h"
#include "tests/kernels/simt/test_kernels.cuh"

namespace simt_test {

template <class T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(size_t n) : n_(n), p_(static_cast<T*>(simt::device_malloc(n * sizeof(T)))) {}
    explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) {
        if (!host.empty()) std::memcpy(p_, host.data(), host.size() * sizeof(T));
    }
    ~DeviceBuffer() { simt::device_free(p_); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    T* get() const { return p_; }
    std::vector<T> to_host() const { return std::vector<T>(p_, p_ + n_); }
    void fill(const T& v) { std::fill(p_, p_ + n_, v); }

private:
    size_t n_;
    T* p_;
};

struct RunConfig {
    simt::Schedule schedule;
    uint64_t seed;
    int workers;
    std::string name;
};

/// Forward, reverse and two random seeds, each with 1 and 2 workers.
inline std::vector<RunConfig> all_configs() {
    std::vector<RunConfig> out;
    for (int workers : {1, 2}) {
        const std::string w = " workers=" + std::to_string(workers);
        out.push_back({simt::Schedule::Forward, 1, workers, "forward" + w});
        out.push_back({simt::Schedule::Reverse, 1, workers, "reverse" + w});
        out.push_back({simt::Schedule::Random, 1, workers, "random:1" + w});
        out.push_back({simt::Schedule::Random, 12345, workers, "random:12345" + w});
    }
    return out;
}

/// Applies a configuration for its lifetime and restores the previous options afterwards.
class ScopedOptions {
public:
    explicit ScopedOptions(const RunConfig& c) : saved_(simt::options()) {
        simt::Options o = saved_;
        o.schedule = c.schedule;
        o.seed = c.seed;
        o.workers = c.workers;
        simt::set_options(o);
    }
    explicit ScopedOptions(const simt::Options& o) : saved_(simt::options()) { simt::set_options(o); }
    ~ScopedOptions() { simt::set_options(saved_); }
    ScopedOptions(const ScopedOptions&) = delete;
    ScopedOptions& operator=(const ScopedOptions&) = delete;

private:
    simt::Options saved_;
};

/// "path/test_kernels.cuh:LINE" of the line carrying `// @marker`, as kernel errors print it.
inline std::string kernel_site(const std::string& marker) {
    std::ifstream in(kKernelsFile);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
        if (line.find("// @" + marker) != std::string::npos) return std::string(kKernelsFile) + ":" + std::to_string(n);
    return "marker @" + marker + " not found in " + kKernelsFile;
}

}  // namespace simt_test
