// SPDX-License-Identifier: MIT
// The instruction-set cap (kernels/cpu/cpu_isa.h): ONEDNN_MAX_CPU_ISA reaches the project's own
// dispatched kernels, the GEMM library and the bf16 check alike. ctest runs this file twice: as is, and
// under ONEDNN_MAX_CPU_ISA=AVX2 (the `avx2_path` entry), where an AVX-512 machine must take every AVX2 path.
#include <catch2/catch.hpp>

#include <string>

#include "kernels/cpu/blas.h"
#include "kernels/cpu/cpu_isa.h"
#include "kernels/cpu/gate_row.h"

namespace cpu = imram::cpu;

TEST_CASE("cpu_isa: the ONEDNN_MAX_CPU_ISA cap reaches the project's kernels and the GEMM library", "[op][cpu_isa]") {
    const std::string cap = cpu::cpu_isa_cap();
    const bool cpu_has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    INFO("cap '" << cap << "', CPU with AVX-512: " << cpu_has << ", GEMM: " << cpu::gemm_library_description());
    CHECK(cpu::gate_row_has_avx512() == cpu::cpu_may_use_avx512());
    if (cap == "AVX2" || cap == "avx2") {
        CHECK_FALSE(cpu::cpu_may_use_avx512());
        CHECK_FALSE(cpu::have_fast_bf16());
        if (cpu::gemm_library() == cpu::GemmLibrary::OneDNN)
            CHECK(cpu::gemm_library_description().find("(avx2)") != std::string::npos);
    } else if (cap.empty()) {
        CHECK(cpu::cpu_may_use_avx512() == cpu_has);
    }
}
