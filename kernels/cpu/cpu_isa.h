// SPDX-License-Identifier: MIT
// Which vector instruction sets the project's own CPU kernels may use on this machine.
//
// What the CPU has, capped by the variable that caps oneDNN's GEMM kernels (ONEDNN_MAX_CPU_ISA, or its
// older name DNNL_MAX_CPU_ISA; values as oneDNN reads them: AVX2, AVX512_CORE, ...). One setting
// caps both, so `ONEDNN_MAX_CPU_ISA=AVX2` runs on an AVX-512 machine the code an AVX2-only CPU (a
// Zen 2) runs: the GEMMs, the bf16 fallback and every runtime-dispatched kernel of the project. The
// tests use it to cover both kinds of CPU on whichever one CI lands on; scripts/cpu_report.sh uses it
// to measure the AVX2 path beside the AVX-512 one.
#pragma once

#include <string>

namespace imram::cpu {

/// True when the CPU has AVX-512 F and DQ and the cap (when set) does not stop below AVX-512.
/// Fixed at the first call.
bool cpu_may_use_avx512();

/// The cap as set in the environment ("AVX2"), or "" when none is set.
std::string cpu_isa_cap();

}  // namespace imram::cpu
