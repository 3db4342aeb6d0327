// SPDX-License-Identifier: MIT
// Stand-in for the real CUDA runtime when the build has no CUDA toolkit.
#include "kernels/cuda/error.h"
#include "kernels/cuda/real_runtime.h"

namespace imram::gpu::real {
namespace {
[[noreturn]] void absent() {
    IMRAM_GPU_FAIL("device cuda: this build has no CUDA backend (configure with -DIMRAM_CUDA=ON on a machine with "
                   "nvcc); use --device cuda-emulated to run the CUDA kernels on the CPU");
}
}  // namespace

void* raw_alloc(int, std::size_t) { absent(); }
void raw_free(int, void*) {}
void copy(void*, const void*, std::size_t) { absent(); }
void zero(int, void*, std::size_t) { absent(); }
void synchronize(int) { absent(); }
void set_device(int) { absent(); }
int device_count(std::string* why) {
    if (why) *why = "the build has no CUDA backend";
    return 0;
}
bool compiled() { return false; }

}  // namespace imram::gpu::real
