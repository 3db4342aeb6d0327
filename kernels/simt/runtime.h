// SPDX-License-Identifier: MIT
// Host-side API of the SIMT emulator: options, statistics, errors and emulated device memory.
// Plain C++ (no CUDA types), so host code can use it without including the kernel keywords.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace simt {

/// A launch that broke a CUDA execution rule (barrier divergence, bad warp mask, deadlock, an
/// exception inside the kernel, a bad launch configuration, a host pointer argument). what()
/// names the kernel, its launch site and the kernel source line where the rule was broken.
struct KernelError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Order in which the emulator runs the ready threads of a block. Different orders expose
/// different interleavings, so a missing barrier shows up as a wrong result under some of them.
enum class Schedule { Forward, Reverse, Random };

struct Options {
    Schedule schedule = Schedule::Forward;
    uint64_t seed = 1;            // for Schedule::Random; mixed with each block's index
    int workers = 1;              // OS threads that blocks are spread over; 1 is deterministic
    bool check_pointers = true;   // reject non-null pointer arguments outside device_malloc memory
};

/// The options launches use. The first call reads SIMT_SCHED=forward|reverse|random[:seed] and
/// SIMT_THREADS=N from the environment (once); set_options() replaces them afterwards.
Options options();
void set_options(const Options& o);
/// Parses "forward", "reverse", "random" or "random:<seed>"; throws std::invalid_argument otherwise.
void parse_schedule(const std::string& text, Options& into);

/// Counters since the start of the process (or the last reset_stats()).
struct Stats {
    uint64_t launches = 0;        // launches that ran (including those that ended in KernelError)
    uint64_t blocks = 0;          // blocks run
    uint64_t threads = 0;         // CUDA threads started
    uint64_t fiber_switches = 0;  // scheduler -> thread context switches
    uint64_t barriers = 0;        // completed __syncthreads-family barriers (per block)
    uint64_t warp_ops = 0;        // completed warp rendezvous (shuffles, votes, __syncwarp)
};
Stats stats();
void reset_stats();

/// Emulated device memory: 256-byte aligned host allocations recorded in a thread-safe registry,
/// so a launch can tell device pointers from host pointers. device_malloc(0) returns nullptr.
void* device_malloc(size_t bytes);
/// Frees memory from device_malloc; nullptr is ignored; any other pointer throws std::invalid_argument.
void device_free(void* p);
/// True when p lies inside a live device_malloc allocation (its one-past-the-end address included).
bool is_device_pointer(const void* p);
/// True when [p, p + bytes) lies inside one live device_malloc allocation (two neighbouring
/// allocations do not make a valid range).
bool is_device_range(const void* p, size_t bytes);
size_t registry_bytes_in_use();

}  // namespace simt
