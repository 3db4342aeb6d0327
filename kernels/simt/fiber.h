// SPDX-License-Identifier: MIT
// A fiber: a separate stack and execution context that the owning OS thread switches into and
// out of cooperatively. One fiber runs one emulated CUDA thread. Switches go only between the
// scheduler (running on the OS thread's own stack) and one fiber, never fiber to fiber.
#pragma once

#include <cstddef>

namespace simt::detail {

class Fiber {
public:
    /// `index` staggers where the stack starts: stacks of equal size would otherwise put every
    /// fiber's hot frames at the same address modulo the page size, all in the same cache sets.
    Fiber(size_t stack_bytes, size_t index);
    ~Fiber();
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;

    /// Arms the fiber to run fn(arg) from the top of its stack at the next resume(). fn must not
    /// throw. Any earlier (finished or abandoned) run is forgotten.
    void start(void (*fn)(void*), void* arg);
    /// From the scheduler: runs the fiber until it calls suspend() or fn returns.
    void resume();
    /// From inside the running fiber: returns control to the scheduler that resumed it.
    static void suspend();
    bool finished() const { return finished_; }

    /// Bytes of usable stack per fiber (larger under AddressSanitizer, whose frames are bigger).
    static size_t default_stack_bytes();

    /// Runs fn_, then leaves the fiber for good (internal; public for the context trampolines).
    [[noreturn]] static void entry_point(Fiber* self);

private:
    struct Impl;
    Impl* impl_;
    void (*fn_)(void*) = nullptr;
    void* arg_ = nullptr;
    bool finished_ = true;
};

}  // namespace simt::detail
