// SPDX-License-Identifier: MIT
// Fiber contexts over Boost.Context's fcontext (fast: no system call per switch) or, when Boost.Context
// is absent (SIMT_USE_UCONTEXT), glibc ucontext (each switch makes a sigprocmask system call, ~100x
// slower). Stacks are mmap'd with a PROT_NONE guard page below them, so an overflow faults at once
// instead of corrupting a neighbour. Under AddressSanitizer every switch is announced, otherwise ASan
// mistakes the fiber stacks for stack-buffer overflows.
#include "kernels/simt/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#if defined(SIMT_USE_UCONTEXT)
#include <ucontext.h>
#else
#include <boost/context/detail/fcontext.hpp>
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define SIMT_ASAN 1
#else
#define SIMT_ASAN 0
#endif

namespace simt::detail {

#if defined(SIMT_USE_UCONTEXT)
using Handle = ucontext_t;
#else
namespace fc = boost::context::detail;
using Handle = fc::fcontext_t;
#endif

struct Fiber::Impl {
    void* map = nullptr;     // guard page + stack
    size_t map_bytes = 0;
    char* stack_lo = nullptr;  // lowest usable address
    size_t stack_bytes = 0;
    Handle ctx{};
    void* asan_fake_stack = nullptr;
    bool started_fresh = false;  // ucontext: the next resume enters the trampoline
};

namespace {

// Per OS thread: the scheduler's context while a fiber runs, and the fiber running.
thread_local Handle tl_scheduler{};
thread_local Fiber* tl_running = nullptr;
#if SIMT_ASAN
thread_local const void* tl_main_bottom = nullptr;
thread_local size_t tl_main_size = 0;
thread_local void* tl_scheduler_fake_stack = nullptr;
#endif

size_t page_size() {
    static const size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return p;
}

}  // namespace

size_t Fiber::default_stack_bytes() {
#if SIMT_ASAN
    return 256 * 1024;
#else
    return 64 * 1024;
#endif
}

Fiber::Fiber(size_t stack_bytes, size_t index) : impl_(new Impl) {
    const size_t page = page_size();
    const size_t usable = (stack_bytes + page - 1) / page * page;
    impl_->map_bytes = usable + page;
    // MAP_NORESERVE: 1024 threads x 64 KiB is reserved address space; pages are committed on touch.
    impl_->map = mmap(nullptr, impl_->map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (impl_->map == MAP_FAILED) {
        delete impl_;
        throw std::runtime_error("simt: cannot map a fiber stack of " + std::to_string(usable) + " bytes");
    }
    if (mprotect(impl_->map, page, PROT_NONE) != 0) {
        munmap(impl_->map, impl_->map_bytes);
        delete impl_;
        throw std::runtime_error("simt: cannot protect a fiber stack guard page");
    }
    impl_->stack_lo = static_cast<char*>(impl_->map) + page;
    impl_->stack_bytes = usable - (index % 64) * 64;  // the top moves down by 0..63 cache lines
}

Fiber::~Fiber() {
    munmap(impl_->map, impl_->map_bytes);
    delete impl_;
}

void Fiber::entry_point(Fiber* self) {
#if SIMT_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &tl_main_bottom, &tl_main_size);
#endif
    self->fn_(self->arg_);
    self->finished_ = true;
    tl_running = nullptr;
#if SIMT_ASAN
    // nullptr: this run of the fiber is over, so ASan may free its fake stack.
    __sanitizer_start_switch_fiber(nullptr, tl_main_bottom, tl_main_size);
#endif
#if defined(SIMT_USE_UCONTEXT)
    setcontext(&tl_scheduler);
#else
    fc::jump_fcontext(tl_scheduler, nullptr);
#endif
    std::abort();  // a finished fiber is never resumed
}

#if defined(SIMT_USE_UCONTEXT)
namespace {
// makecontext passes only int arguments, so the fiber to enter travels through a thread_local.
thread_local Fiber* tl_starting = nullptr;
void ucontext_trampoline() {
    Fiber* f = tl_starting;
    tl_starting = nullptr;
    Fiber::entry_point(f);
}
}  // namespace
#endif

void Fiber::start(void (*fn)(void*), void* arg) {
    fn_ = fn;
    arg_ = arg;
#if SIMT_ASAN
    // A run abandoned mid-way leaves poisoned redzones of its frames in the shadow memory.
    if (!finished_) __asan_unpoison_memory_region(impl_->stack_lo, impl_->stack_bytes);
#endif
    finished_ = false;
#if defined(SIMT_USE_UCONTEXT)
    getcontext(&impl_->ctx);
    impl_->ctx.uc_stack.ss_sp = impl_->stack_lo;
    impl_->ctx.uc_stack.ss_size = impl_->stack_bytes;
    impl_->ctx.uc_link = nullptr;
    makecontext(&impl_->ctx, &ucontext_trampoline, 0);
    impl_->started_fresh = true;
#else
    impl_->ctx = fc::make_fcontext(impl_->stack_lo + impl_->stack_bytes, impl_->stack_bytes,
                                   [](fc::transfer_t t) {
                                       tl_scheduler = t.fctx;
                                       entry_point(static_cast<Fiber*>(t.data));
                                   });
#endif
}

void Fiber::resume() {
    tl_running = this;
#if SIMT_ASAN
    __sanitizer_start_switch_fiber(&tl_scheduler_fake_stack, impl_->stack_lo, impl_->stack_bytes);
#endif
#if defined(SIMT_USE_UCONTEXT)
    if (impl_->started_fresh) {
        impl_->started_fresh = false;
        tl_starting = this;
    }
    swapcontext(&tl_scheduler, &impl_->ctx);
#else
    fc::transfer_t t = fc::jump_fcontext(impl_->ctx, this);
    impl_->ctx = t.fctx;
#endif
#if SIMT_ASAN
    __sanitizer_finish_switch_fiber(tl_scheduler_fake_stack, nullptr, nullptr);
#endif
    tl_running = nullptr;
}

void Fiber::suspend() {
    Fiber* self = tl_running;
#if SIMT_ASAN
    __sanitizer_start_switch_fiber(&self->impl_->asan_fake_stack, tl_main_bottom, tl_main_size);
#endif
#if defined(SIMT_USE_UCONTEXT)
    swapcontext(&self->impl_->ctx, &tl_scheduler);
#else
    fc::transfer_t t = fc::jump_fcontext(tl_scheduler, nullptr);
    tl_scheduler = t.fctx;
#endif
#if SIMT_ASAN
    __sanitizer_finish_switch_fiber(self->impl_->asan_fake_stack, &tl_main_bottom, &tl_main_size);
#endif
    tl_running = self;
}

}  // namespace simt::detail
