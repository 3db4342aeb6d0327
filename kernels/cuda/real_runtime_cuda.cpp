// SPDX-License-Identifier: MIT
// The real CUDA runtime for the memory layer (compiled only when the build has the CUDA toolkit).
#include <cuda_runtime.h>

#include "kernels/cuda/error.h"
#include "kernels/cuda/real_runtime.h"

namespace imram::gpu::real {
namespace {
void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) IMRAM_GPU_FAIL("device cuda: ", what, " failed: ", cudaGetErrorName(e), " (", cudaGetErrorString(e), ")");
}
}  // namespace

void set_device(int device) { check(cudaSetDevice(device), "cudaSetDevice"); }

void* raw_alloc(int device, std::size_t bytes) {
    set_device(device);
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, bytes);
    if (e == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError();  // out of memory is not sticky: clear it so the caller may retry
        return nullptr;
    }
    check(e, "cudaMalloc");
    return p;
}

void raw_free(int device, void* p) {
    if (cudaSetDevice(device) == cudaSuccess) (void)cudaFree(p);
}

void copy(void* dst, const void* src, std::size_t bytes) {
    check(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault), "cudaMemcpy");
}

void zero(int device, void* dst, std::size_t bytes) {
    set_device(device);
    check(cudaMemset(dst, 0, bytes), "cudaMemset");
}

void synchronize(int device) {
    set_device(device);
    check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

int device_count(std::string* why) {
    int n = 0;
    // Without a driver every call answers cudaErrorInsufficientDriver; with a driver but no GPU,
    // cudaErrorNoDevice. Either way: no device.
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        if (why) *why = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
        (void)cudaGetLastError();
        return 0;
    }
    if (n == 0 && why) *why = "no CUDA device";
    return n;
}

bool compiled() { return true; }

}  // namespace imram::gpu::real
