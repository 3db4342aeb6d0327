// SPDX-License-Identifier: MIT
// Emulated device memory: a registry of live allocations, so launches can reject host pointers.
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <sstream>
#include <stdexcept>

#include "kernels/simt/runtime.h"

namespace simt {

namespace {
struct Registry {
    std::mutex mutex;
    std::map<uintptr_t, size_t> live;  // start address -> bytes
    size_t bytes = 0;
};
Registry& registry() {
    static Registry r;
    return r;
}
}  // namespace

void* device_malloc(size_t bytes) {
    if (bytes == 0) return nullptr;
    void* p = nullptr;
    // Exact size (no rounding up), so AddressSanitizer flags a kernel reading past the end.
    if (posix_memalign(&p, 256, bytes) != 0) throw std::bad_alloc();
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.live[reinterpret_cast<uintptr_t>(p)] = bytes;
    r.bytes += bytes;
    return p;
}

void device_free(void* p) {
    if (!p) return;
    Registry& r = registry();
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        auto it = r.live.find(reinterpret_cast<uintptr_t>(p));
        if (it == r.live.end()) {
            std::ostringstream s;
            s << "simt::device_free: " << p << " is not the start of a live simt::device_malloc allocation";
            throw std::invalid_argument(s.str());
        }
        r.bytes -= it->second;
        r.live.erase(it);
    }
    std::free(p);
}

bool is_device_pointer(const void* p) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.live.upper_bound(a);
    if (it == r.live.begin()) return false;
    --it;
    return a <= it->first + it->second;
}

bool is_device_range(const void* p, size_t bytes) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.live.upper_bound(a);
    if (it == r.live.begin()) return false;
    --it;
    return a >= it->first && bytes <= it->second && a - it->first <= it->second - bytes;
}

size_t registry_bytes_in_use() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.bytes;
}

}  // namespace simt
