// SPDX-License-Identifier: MIT
// Routing of device memory calls to the real CUDA runtime or to the emulator's registry.
#include "kernels/cuda/memory.h"

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/cuda/caching_allocator.h"
#include "kernels/cuda/error.h"
#include "kernels/cuda/real_runtime.h"
#include "kernels/simt/emulator.h"

namespace imram::gpu {
namespace {

const char* name_of(Device d) { return device_type_name(d.type); }

void* emu_raw_alloc(int, std::size_t bytes) { return simt::device_malloc(bytes); }
void emu_raw_free(int, void* p) { simt::device_free(p); }
void* real_raw_alloc(int device, std::size_t bytes) { return real::raw_alloc(device, bytes); }
void real_raw_free(int device, void* p) { real::raw_free(device, p); }

CachingAllocator& emulated_allocator() {
    // Never destroyed: tensors in static storage may outlive a destroyed allocator at exit.
    static auto* a = new CachingAllocator(emu_raw_alloc, emu_raw_free, 0);
    return *a;
}

CachingAllocator& real_allocator(int device) {
    static std::mutex mu;
    static auto* per_device = new std::vector<std::unique_ptr<CachingAllocator>>();
    std::lock_guard<std::mutex> lock(mu);
    IMRAM_GPU_CHECK(device >= 0 && device < 64, "device cuda:", device, ": bad device index");
    if (per_device->size() <= static_cast<std::size_t>(device)) per_device->resize(device + 1);
    auto& slot = (*per_device)[device];
    if (!slot) {
        std::string why;
        const int n = real::device_count(&why);
        IMRAM_GPU_CHECK(device < n, "device cuda:", device, " is not available (", n, " CUDA device(s)",
                        why.empty() ? "" : "; ", why, ")");
        slot = std::make_unique<CachingAllocator>(real_raw_alloc, real_raw_free, device);
    }
    return *slot;
}

CachingAllocator& allocator_of(Device dev) {
    if (dev.type == DeviceType::CUDAEmulated) return emulated_allocator();
    IMRAM_GPU_CHECK(dev.type == DeviceType::CUDA, "device memory requested for host device ", name_of(dev));
    return real_allocator(dev.index);
}

// An emulated copy is a memcpy, but each side must be the kind of memory it claims to be: this is
// where a host/device mix-up in the engine shows up without a GPU.
void check_side(const void* p, Device dev, std::size_t bytes, const char* side) {
    if (bytes == 0) return;
    const bool registered = simt::is_device_pointer(p);
    if (dev.type == DeviceType::CUDAEmulated)
        IMRAM_GPU_CHECK(simt::is_device_range(p, bytes), "copy: ", side, " pointer ", p, " (", bytes,
                        " bytes) is not cuda_emulated device memory (or runs past its allocation)");
    else if (dev.is_host())
        IMRAM_GPU_CHECK(!registered, "copy: ", side, " pointer ", p, " is device memory but was given as host (",
                        name_of(dev), ")");
}

}  // namespace

void* alloc(Device dev, std::size_t bytes) {
    void* p = allocator_of(dev).allocate(bytes);
    IMRAM_GPU_CHECK(p, "device ", name_of(dev), ":", dev.index, ": out of memory allocating ", bytes, " bytes");
    return p;
}

void release(Device dev, void* p, std::size_t bytes) noexcept {
    try {
        allocator_of(dev).deallocate(p, bytes);
    } catch (...) {
    }
}

void empty_cache(Device dev) { allocator_of(dev).empty_cache(); }
MemStats mem_stats(Device dev) { return allocator_of(dev).stats(); }
void reset_peak(Device dev) { allocator_of(dev).reset_peak(); }

void copy(void* dst, Device dst_dev, const void* src, Device src_dev, std::size_t bytes) {
    if (bytes == 0) return;
    const bool real_involved = dst_dev.type == DeviceType::CUDA || src_dev.type == DeviceType::CUDA;
    const bool emu_involved = dst_dev.type == DeviceType::CUDAEmulated || src_dev.type == DeviceType::CUDAEmulated;
    IMRAM_GPU_CHECK(!(real_involved && emu_involved), "copy between cuda and cuda_emulated: go through the host");
    if (real_involved) {
        real::copy(dst, src, bytes);
        return;
    }
    check_side(dst, dst_dev, bytes, "destination");
    check_side(src, src_dev, bytes, "source");
    std::memmove(dst, src, bytes);
}

void zero(void* dst, Device dev, std::size_t bytes) {
    if (bytes == 0) return;
    if (dev.type == DeviceType::CUDA) {
        real::zero(dev.index, dst, bytes);
        return;
    }
    check_side(dst, dev, bytes, "destination");
    std::memset(dst, 0, bytes);
}

void synchronize(Device dev) {
    if (dev.type == DeviceType::CUDA) real::synchronize(dev.index);
    // The emulator launches synchronously: nothing is ever pending.
}

int cuda_device_count(std::string* why) { return real::device_count(why); }
bool cuda_compiled() { return real::compiled(); }

}  // namespace imram::gpu
