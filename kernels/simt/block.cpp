// SPDX-License-Identifier: MIT
// The per-block scheduler and the __syncthreads family.
#include "kernels/simt/block.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <sstream>
#include <tuple>

#include "kernels/simt/intrinsics.h"

namespace simt::detail {

constinit thread_local Current tl_current;

namespace {
thread_local Block* tl_block = nullptr;

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

const char* barrier_name(int kind) {
    static const char* const names[] = {"__syncthreads", "__syncthreads_count", "__syncthreads_and", "__syncthreads_or"};
    return names[kind];
}

template <class... A>
std::string cat(const A&... a) {
    std::ostringstream s;
    (s << ... << a);
    return s.str();
}

struct BlockScope {
    explicit BlockScope(Block* b) { tl_block = b; }
    ~BlockScope() { tl_block = nullptr; }
};
}  // namespace

Block* current_block() { return tl_block; }
void set_current_block(Block* b) { tl_block = b; }

std::string Block::thread_name(const ThreadSlot& t) const {
    return cat("thread (", t.idx.x, ",", t.idx.y, ",", t.idx.z, ")");
}

std::string Block::prefix() const {
    return cat("simt: kernel ", info_->kernel_name, " launched at ", info_->file, ":", info_->line, ", block (",
               block_idx_.x, ",", block_idx_.y, ",", block_idx_.z, "): ");
}

void Block::fail(const std::string& what) {
    if (aborting_) return;  // the first violation is the one to report
    aborting_ = true;
    error_ = what;
}

void Block::violate(const std::string& what) {
    fail(what);
    throw Unwind{};
}

void Block::make_ready(ThreadSlot& t) {
    t.state = Wait::Ready;
    ready_.push_back(t.tid);
}

void Block::release_in_order(std::vector<int>& tids) {
    // tids arrive in ascending order (callers scan threads or lanes upwards).
    if (schedule_ == Schedule::Reverse)
        for (auto it = tids.rbegin(); it != tids.rend(); ++it) make_ready(threads_[static_cast<size_t>(*it)]);
    else
        for (int tid : tids) make_ready(threads_[static_cast<size_t>(tid)]);
}

int Block::pick() {
    if (schedule_ == Schedule::Random) {
        const size_t r = static_cast<size_t>(splitmix64(rng_) % ready_.size());
        std::swap(ready_[r], ready_.back());
        const int tid = ready_.back();
        ready_.pop_back();
        return tid;
    }
    const int tid = ready_.front();
    ready_.pop_front();
    return tid;
}

void Block::suspend_as(Wait state, int op, const char* file, int line, unsigned mask) {
    ThreadSlot& t = *current_;
    t.state = state;
    t.site_op = op;
    t.site_file = file;
    t.site_line = line;
    t.site_mask = mask;
    Fiber::suspend();
    if (aborting_) throw Unwind{};
}

void Block::yield_thread() {
    make_ready(*current_);
    Fiber::suspend();
    if (aborting_) throw Unwind{};
}

void Block::thread_main(void* p) {
    ThreadSlot& t = *static_cast<ThreadSlot*>(p);
    Block& b = *tl_block;
    bool normal = false;
    try {
        b.info_->run_thread(b.info_->pack);
        normal = true;
    } catch (const Unwind&) {
    } catch (const std::exception& e) {
        b.fail(cat("exception thrown in ", b.thread_name(t), ": ", e.what()));
    } catch (...) {
        b.fail(cat("exception of unknown type thrown in ", b.thread_name(t)));
    }
    b.thread_exit(t, normal);
}

void Block::thread_exit(ThreadSlot& t, bool normal) {
    t.state = Wait::Done;
    ++done_;
    if (!normal || aborting_) return;
    ++exited_;
    WarpState& w = warps_[static_cast<size_t>(t.warp)];
    w.exited |= 1u << t.lane;
    if (arrived_ > 0) {
        fail(cat("barrier divergence: ", thread_name(t), " exited while ", arrived_, " thread(s) wait at the barrier at ",
                 barrier_file_, ":", barrier_line_,
                 "; every thread of the block must reach every barrier"));
        return;
    }
    for (const WarpGroup& g : w.pending) {
        if (g.mask & (1u << t.lane)) {
            fail(cat("warp divergence: ", thread_name(t), " (lane ", t.lane, " of warp ", t.warp,
                     ") exited while lanes ", std::hex, "0x", g.arrived, " wait for it at a warp operation (", g.file,
                     ":", std::dec, g.line, ") whose mask ", std::hex, "0x", g.mask, " names it"));
            return;
        }
    }
}

int Block::barrier(int kind, int predicate, const char* file, int line) {
    ThreadSlot& t = *current_;
    if (exited_ > 0)
        violate(cat("barrier divergence: ", thread_name(t), " reached ", barrier_name(kind), " at ", file, ":", line,
                    " after ", exited_, " thread(s) of the block exited; every thread of the block must reach every barrier"));
    if (arrived_ == 0) {
        barrier_file_ = file;
        barrier_line_ = line;
        predicate_sum_ = 0;
    } else if (line != barrier_line_ || (file != barrier_file_ && std::strcmp(file, barrier_file_) != 0)) {
        violate(cat("barrier divergence: ", arrived_, " thread(s) wait at the barrier at ", barrier_file_, ":",
                    barrier_line_, " while ", thread_name(t), " reached a different one at ", file, ":", line));
    }
    ++arrived_;
    predicate_sum_ += predicate != 0;
    if (arrived_ == n_) {
        barrier_result_ = predicate_sum_;
        arrived_ = 0;
        ++counters_->barriers;
        scratch_.clear();
        for (const ThreadSlot& s : threads_)
            if (s.state == Wait::Barrier) scratch_.push_back(s.tid);
        release_in_order(scratch_);
    } else {
        suspend_as(Wait::Barrier, kind, file, line, 0);
    }
    switch (kind) {
        case kCount: return barrier_result_;
        case kAnd: return barrier_result_ == n_;
        case kOr: return barrier_result_ > 0;
        default: return 0;
    }
}

std::string Block::describe_waits() const {
    std::ostringstream s;
    std::map<std::tuple<std::string, int, int>, int> at_barrier;
    for (const ThreadSlot& t : threads_)
        if (t.state == Wait::Barrier) ++at_barrier[{t.site_file, t.site_line, t.site_op}];
    const char* sep = "";
    for (const auto& [site, count] : at_barrier) {
        s << sep << count << " thread(s) wait at " << barrier_name(std::get<2>(site)) << " (" << std::get<0>(site) << ":"
          << std::get<1>(site) << ")";
        sep = "; ";
    }
    for (size_t w = 0; w < warps_.size(); ++w) {
        for (const WarpGroup& g : warps_[w].pending) {
            s << sep << "warp " << w << " lanes 0x" << std::hex << g.arrived << " wait at " << warp_op_name(g.op) << " ("
              << g.file << ":" << std::dec << g.line << ") for lanes 0x" << std::hex << (g.mask & ~g.arrived) << std::dec;
            sep = "; ";
        }
    }
    return s.str();
}

void Block::run(const LaunchInfo& info, const Options& opt, uint64_t linear, WorkerCounters& counters) {
    info_ = &info;
    counters_ = &counters;
    schedule_ = opt.schedule;
    rng_ = opt.seed ^ (linear * 0xD1B54A32D192ED03ull);
    const dim3 g = info.grid;
    const dim3 b = info.block;
    block_idx_ = uint3{static_cast<unsigned>(linear % g.x), static_cast<unsigned>((linear / g.x) % g.y),
                       static_cast<unsigned>(linear / (static_cast<uint64_t>(g.x) * g.y))};
    n_ = static_cast<int>(b.x * b.y * b.z);
    while (fibers_.size() < static_cast<size_t>(n_)) fibers_.push_back(std::make_unique<Fiber>(Fiber::default_stack_bytes(), fibers_.size()));
    threads_.assign(static_cast<size_t>(n_), ThreadSlot{});
    for (int i = 0; i < n_; ++i) {
        ThreadSlot& t = threads_[static_cast<size_t>(i)];
        const unsigned u = static_cast<unsigned>(i);
        t.idx = uint3{u % b.x, (u / b.x) % b.y, u / (b.x * b.y)};
        t.tid = i;
        t.warp = i / 32;
        t.lane = i % 32;
        t.fiber = fibers_[static_cast<size_t>(i)].get();
    }
    warps_.resize(static_cast<size_t>((n_ + 31) / 32));
    for (size_t w = 0; w < warps_.size(); ++w) {
        const int lanes = std::min(32, n_ - static_cast<int>(w) * 32);
        warps_[w].lanes = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1;
        warps_[w].exited = 0;
        warps_[w].pending.clear();
    }
    // Exact size, so AddressSanitizer sees overruns; 0xFF bytes read as NaN floats and -1 integers,
    // which makes reads of never-written shared memory stand out.
    smem_.reset();
    if (info.dynamic_smem > 0) {
        smem_.reset(new unsigned char[info.dynamic_smem]);
        std::memset(smem_.get(), 0xFF, info.dynamic_smem);
    }
    arrived_ = predicate_sum_ = barrier_result_ = 0;
    exited_ = done_ = 0;
    aborting_ = false;
    error_.clear();
    ready_.clear();
    for (int i = 0; i < n_; ++i) ready_.push_back(schedule_ == Schedule::Reverse ? n_ - 1 - i : i);
    tl_current.block_idx = block_idx_;
    tl_current.block_dim = b;
    tl_current.grid_dim = g;
    tl_current.dynamic_smem = smem_.get();

    BlockScope scope(this);
    auto switch_to = [&](ThreadSlot& t) {
        current_ = &t;
        tl_current.thread_idx = &t.idx;
        ++counters.switches;
        t.fiber->resume();
        current_ = nullptr;
    };
    while (!aborting_) {
        if (ready_.empty()) {
            if (done_ == n_) break;
            fail(cat("deadlock: no thread can run; ", describe_waits()));
            break;
        }
        ThreadSlot& t = threads_[static_cast<size_t>(pick())];
        if (t.state == Wait::NotStarted) t.fiber->start(&Block::thread_main, &t);
        t.state = Wait::Running;
        switch_to(t);
    }
    counters.blocks += 1;
    counters.threads += static_cast<uint64_t>(n_);
    if (!aborting_) return;
    // Unwind every suspended thread so its frames are destroyed and its fiber can be reused.
    for (ThreadSlot& t : threads_) {
        for (int tries = 0; t.state != Wait::Done && t.state != Wait::NotStarted && tries < 64; ++tries) switch_to(t);
    }
    throw KernelError(prefix() + error_);
}

int block_barrier(int kind, int predicate, const char* file, int line) {
    Block* b = current_block();
    if (!b) throw std::logic_error(cat("simt: ", barrier_name(kind), " called outside a kernel (", file, ":", line, ")"));
    return b->barrier(kind, predicate, file, line);
}

void yield_thread() {
    if (Block* b = current_block()) b->yield_thread();
}

void trap(const char* file, int line) {
    Block* b = current_block();
    if (!b) throw std::logic_error(cat("simt: __trap called outside a kernel (", file, ":", line, ")"));
    b->violate(cat("__trap() called at ", file, ":", line, " by ", b->thread_name(b->current())));
}

}  // namespace simt::detail
