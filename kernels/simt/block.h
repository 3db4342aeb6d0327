// SPDX-License-Identifier: MIT
// Emulator internals: one block in flight on one worker OS thread. Every CUDA thread of the block is
// a fiber; a central scheduler (the worker's own stack) resumes ready fibers in the schedule's order,
// each running until it blocks at a barrier or warp rendezvous, or exits. Rule violations found
// while a fiber runs are recorded, the fiber unwinds, and the scheduler then unwinds every other
// suspended fiber before reporting, so the worker and its fiber pool stay usable.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "kernels/simt/fiber.h"
#include "kernels/simt/launch.h"
#include "kernels/simt/runtime.h"

namespace simt::detail {

/// Thrown inside a fiber to unwind its stack when the block is being abandoned.
struct Unwind {};

enum class Wait : uint8_t { NotStarted, Ready, Running, Barrier, Warp, Done };

struct ThreadSlot {
    uint3 idx{};
    int tid = 0;  // linear index in the block
    int warp = 0;
    int lane = 0;
    Wait state = Wait::NotStarted;
    Fiber* fiber = nullptr;
    // where the thread waits, for deadlock reports
    const char* site_file = "";
    int site_line = 0;
    int site_op = 0;
    unsigned site_mask = 0;
    // warp exchange: inputs written before the rendezvous, output filled by the last lane to arrive
    uint64_t in = 0;
    uint64_t out = 0;
    int arg = 0;
    int width = 32;
};

/// Lanes of one warp that met (or are meeting) at one warp intrinsic with one mask.
struct WarpGroup {
    int op = 0;
    unsigned mask = 0;
    unsigned arrived = 0;
    const char* file = "";
    int line = 0;
};

struct WarpState {
    unsigned lanes = 0;   // lanes that exist (a partial last warp has fewer than 32)
    unsigned exited = 0;  // lanes whose thread has returned
    std::vector<WarpGroup> pending;
};

struct WorkerCounters {
    uint64_t blocks = 0, threads = 0, switches = 0, barriers = 0, warp_ops = 0;
};

class Block {
public:
    /// Runs block `linear` of the launch to completion; throws KernelError on a violated rule.
    void run(const LaunchInfo& info, const Options& opt, uint64_t linear, WorkerCounters& counters);

    // Called from inside fibers (the intrinsics).
    int barrier(int kind, int predicate, const char* file, int line);
    uint64_t warp_exchange(int op, unsigned mask, uint64_t value, int arg, int width, const char* file, int line);
    unsigned active_mask() const;
    void yield_thread();
    [[noreturn]] void violate(const std::string& what);
    ThreadSlot& current() { return *current_; }
    std::string thread_name(const ThreadSlot& t) const;

    static void thread_main(void* slot);

private:
    void fail(const std::string& what);
    void thread_exit(ThreadSlot& t, bool normal);
    void suspend_as(Wait state, int op, const char* file, int line, unsigned mask);
    void make_ready(ThreadSlot& t);
    void release_in_order(std::vector<int>& tids);  // tids ascending
    int pick();
    std::string describe_waits() const;
    void complete_warp_group(WarpState& w, size_t group);
    std::string prefix() const;

    const LaunchInfo* info_ = nullptr;
    Schedule schedule_ = Schedule::Forward;
    uint64_t rng_ = 0;
    uint3 block_idx_{};
    int n_ = 0;
    std::vector<ThreadSlot> threads_;
    std::vector<WarpState> warps_;
    std::vector<std::unique_ptr<Fiber>> fibers_;  // pool, reused by every block this worker runs
    std::unique_ptr<unsigned char[]> smem_;
    std::deque<int> ready_;
    std::vector<int> scratch_;
    ThreadSlot* current_ = nullptr;
    WorkerCounters* counters_ = nullptr;
    // __syncthreads: arrivals at the open barrier, its call site, and the predicate total
    int arrived_ = 0;
    int predicate_sum_ = 0;
    int barrier_result_ = 0;
    const char* barrier_file_ = "";
    int barrier_line_ = 0;
    int exited_ = 0;
    int done_ = 0;
    bool aborting_ = false;
    std::string error_;
};

const char* warp_op_name(int op);

/// The block that the calling OS thread is running, or nullptr outside a launch.
Block* current_block();
void set_current_block(Block* b);

}  // namespace simt::detail
