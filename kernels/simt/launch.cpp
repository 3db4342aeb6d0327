// SPDX-License-Identifier: MIT
// Launch validation, options, statistics and the worker pool that blocks are spread over.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "kernels/simt/block.h"
#include "kernels/simt/launch.h"

namespace simt {

namespace {

template <class... A>
std::string cat(const A&... a) {
    std::ostringstream s;
    (s << ... << a);
    return s.str();
}

struct OptionsState {
    std::mutex mutex;
    Options options;
    bool loaded = false;
};
OptionsState& options_state() {
    static OptionsState s;
    return s;
}

void load_environment(Options& o) {
    if (const char* s = std::getenv("SIMT_SCHED"); s && *s) parse_schedule(s, o);
    if (const char* s = std::getenv("SIMT_THREADS"); s && *s) {
        char* end = nullptr;
        const long n = std::strtol(s, &end, 10);
        if (*end != '\0' || n < 1 || n > 1024)
            throw std::invalid_argument(cat("SIMT_THREADS=", s, ": expected a number of worker threads from 1 to 1024"));
        o.workers = static_cast<int>(n);
    }
}

struct GlobalStats {
    std::atomic<uint64_t> launches{0}, blocks{0}, threads{0}, switches{0}, barriers{0}, warp_ops{0};
};
GlobalStats& global_stats() {
    static GlobalStats s;
    return s;
}

}  // namespace

void parse_schedule(const std::string& text, Options& into) {
    if (text == "forward") {
        into.schedule = Schedule::Forward;
    } else if (text == "reverse") {
        into.schedule = Schedule::Reverse;
    } else if (text == "random") {
        into.schedule = Schedule::Random;
    } else if (text.rfind("random:", 0) == 0 && text.size() > 7) {
        char* end = nullptr;
        const unsigned long long seed = std::strtoull(text.c_str() + 7, &end, 10);
        if (*end != '\0') throw std::invalid_argument("SIMT_SCHED=" + text + ": the seed after random: must be a decimal number");
        into.schedule = Schedule::Random;
        into.seed = seed;
    } else {
        throw std::invalid_argument("SIMT_SCHED=" + text + ": expected forward, reverse, random or random:<seed>");
    }
}

Options options() {
    OptionsState& s = options_state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.loaded) {
        s.loaded = true;
        load_environment(s.options);
    }
    return s.options;
}

void set_options(const Options& o) {
    if (o.workers < 1 || o.workers > 1024)
        throw std::invalid_argument(cat("simt::set_options: workers = ", o.workers, ", expected 1 to 1024"));
    OptionsState& s = options_state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.loaded = true;
    s.options = o;
}

Stats stats() {
    GlobalStats& g = global_stats();
    Stats s;
    s.launches = g.launches.load();
    s.blocks = g.blocks.load();
    s.threads = g.threads.load();
    s.fiber_switches = g.switches.load();
    s.barriers = g.barriers.load();
    s.warp_ops = g.warp_ops.load();
    return s;
}

void reset_stats() {
    GlobalStats& g = global_stats();
    g.launches = g.blocks = g.threads = g.switches = g.barriers = g.warp_ops = 0;
}

namespace detail {

namespace {

constexpr size_t kDefaultMaxDynamicShared = 48 * 1024;  // CUDA's limit without an opt-in
constexpr size_t kOptInMaxDynamicShared = 227 * 1024;   // sm_90's per-block maximum

struct SharedLimits {
    std::mutex mutex;
    std::map<KernelId, size_t> limit;
};
SharedLimits& shared_limits() {
    static SharedLimits s;
    return s;
}
size_t max_dynamic_shared(KernelId k) {
    SharedLimits& s = shared_limits();
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.limit.find(k);
    return it == s.limit.end() ? kDefaultMaxDynamicShared : it->second;
}

std::string launch_prefix(const LaunchInfo& info) {
    return cat("simt: kernel ", info.kernel_name, " launched at ", info.file, ":", info.line, ": ");
}

/// Everything a worker needs for one launch; workers pull block indices from `next`.
struct Job {
    const LaunchInfo* info = nullptr;
    Options opt;
    uint64_t total = 0;
    std::atomic<uint64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::string error;

    void work() {
        thread_local Block block;  // this worker's scheduler and fiber pool, reused across launches
        WorkerCounters c;
        while (!failed.load(std::memory_order_relaxed)) {
            const uint64_t i = next.fetch_add(1);
            if (i >= total) break;
            try {
                block.run(*info, opt, i, c);
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (error.empty()) error = e.what();
                failed = true;
            }
        }
        GlobalStats& g = global_stats();
        g.blocks += c.blocks;
        g.threads += c.threads;
        g.switches += c.switches;
        g.barriers += c.barriers;
        g.warp_ops += c.warp_ops;
    }
};

/// Persistent helper threads; the launching thread is always worker 0.
class Pool {
public:
    ~Pool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : threads_) t.join();
    }

    void run(Job& job, int workers) {
        const int helpers = workers - 1;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            while (static_cast<int>(threads_.size()) < helpers) {
                const int index = static_cast<int>(threads_.size());
                threads_.emplace_back([this, index] { loop(index); });
            }
            job_ = &job;
            wanted_ = helpers;
            busy_ = helpers;
            ++generation_;
        }
        wake_.notify_all();
        job.work();
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [&] { return busy_ == 0; });
        job_ = nullptr;
    }

private:
    void loop(int index) {
        uint64_t seen = 0;
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            if (index >= wanted_) continue;
            Job* job = job_;
            lock.unlock();
            job->work();
            lock.lock();
            if (--busy_ == 0) done_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::vector<std::thread> threads_;
    Job* job_ = nullptr;
    uint64_t generation_ = 0;
    int wanted_ = 0;
    int busy_ = 0;
    bool stop_ = false;
};

void validate(const LaunchInfo& info) {
    const dim3 b = info.block;
    const dim3 g = info.grid;
    auto bad = [&](const std::string& what) { throw KernelError(launch_prefix(info) + "bad launch configuration: " + what); };
    if (b.x == 0 || b.y == 0 || b.z == 0) bad(cat("block (", b.x, ",", b.y, ",", b.z, ") has a zero dimension"));
    if (b.x > 1024 || b.y > 1024 || b.z > 64)
        bad(cat("block (", b.x, ",", b.y, ",", b.z, ") exceeds the per-dimension limits (1024, 1024, 64)"));
    const uint64_t threads = static_cast<uint64_t>(b.x) * b.y * b.z;
    if (threads > 1024) bad(cat("block (", b.x, ",", b.y, ",", b.z, ") has ", threads, " threads, more than 1024"));
    if (g.x == 0 || g.y == 0 || g.z == 0) bad(cat("grid (", g.x, ",", g.y, ",", g.z, ") has a zero dimension"));
    if (g.x > 2147483647u || g.y > 65535 || g.z > 65535)
        bad(cat("grid (", g.x, ",", g.y, ",", g.z, ") exceeds the limits (2^31-1, 65535, 65535)"));
    const size_t limit = max_dynamic_shared(info.kernel);
    if (info.dynamic_smem > limit)
        bad(cat(info.dynamic_smem, " bytes of dynamic shared memory exceed the kernel's limit of ", limit,
                " bytes (raise it with simt_set_max_dynamic_shared, up to ", kOptInMaxDynamicShared, ")"));
}

std::mutex& launch_mutex() {
    static std::mutex m;
    return m;
}

}  // namespace

void set_max_dynamic_shared(KernelId kernel, size_t bytes) {
    if (bytes > kOptInMaxDynamicShared)
        throw std::invalid_argument(cat("simt_set_max_dynamic_shared: ", bytes, " bytes exceed the per-block maximum of ",
                                        kOptInMaxDynamicShared));
    SharedLimits& s = shared_limits();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.limit[kernel] = bytes;
}

void check_pointer_argument(const LaunchInfo& info, int index, const void* p) {
    if (p == nullptr || !options().check_pointers || is_device_pointer(p)) return;
    throw KernelError(cat(launch_prefix(info), "argument ", index, " (", p,
                          "): host pointer passed where a device pointer belongs (not inside any live "
                          "simt::device_malloc allocation)"));
}

void launch(const LaunchInfo& info) {
    if (current_block())
        throw KernelError(launch_prefix(info) + "launched from inside a kernel (dynamic parallelism is not emulated)");
    validate(info);
    Job job;
    job.info = &info;
    job.opt = options();
    job.total = static_cast<uint64_t>(info.grid.x) * info.grid.y * info.grid.z;
    const int workers = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(job.opt.workers), job.total));
    // One launch at a time: the pool and each worker's static __shared__ storage are shared state.
    std::lock_guard<std::mutex> lock(launch_mutex());
    ++global_stats().launches;
    if (workers <= 1) {
        job.work();
    } else {
        static Pool pool;
        pool.run(job, workers);
    }
    if (job.failed) throw KernelError(job.error);
}

}  // namespace detail
}  // namespace simt
