// SPDX-License-Identifier: MIT
// The real-GPU test binary: the op-case parity harness on cuda(0) instead of cpu/cuda_emulated.
// Exit 77 (ctest: skipped) when no CUDA device answers, unless REQUIRE_GPU=1.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels/cuda/memory.h"
#include "tests/testing/parity_backends.h"

int main(int argc, char** argv) {
    std::string why;
    const int n = imram::gpu::cuda_device_count(&why);
    if (n == 0) {
        const char* req = std::getenv("REQUIRE_GPU");
        const bool required = req && std::strcmp(req, "1") == 0;
        std::fprintf(stderr, "%s: no CUDA device (%s)%s\n", required ? "FAIL" : "SKIP", why.c_str(),
                     required ? " but REQUIRE_GPU=1" : "");
        return required ? 1 : 77;
    }
    imram::testing::parity_backends() = {imram::Device::cuda(0)};
    return Catch::Session().run(argc, argv);
}
