// SPDX-License-Identifier: MIT
// One row of the IMRAM memory unit's gate (docs/IMRAM_SPEC.md 1.4), the element-wise heart of the
// fused scorer:
//   p = pre + add (2D values: [W_o x + b_o | W_g x + b_g]),  o = tanh(p_o),  g = sigmoid(p_g),
//   out = g q_in + (1 - g) o,  then out /= (|out| + 1e-8) when normalize.
// The float version runs a hand-vectorised AVX-512 kernel where the CPU has AVX-512 (chosen at run
// time, so the x86-64-v3 build keeps it; ONEDNN_MAX_CPU_ISA=AVX2 caps it, kernels/cpu/cpu_isa.h), else
// the portable one. out may be q_in (in place).
#pragma once

#include <cstdint>

namespace imram::cpu {

void gate_row(float* out, const float* q_in, const float* pre, const float* add, std::int64_t D, bool normalize);
void gate_row(double* out, const double* q_in, const double* pre, const double* add, std::int64_t D, bool normalize);

/// The portable float kernel (what CPUs without AVX-512 run), for tests and benchmarks.
void gate_row_portable(float* out, const float* q_in, const float* pre, const float* add, std::int64_t D,
                       bool normalize);

/// True when gate_row<float> runs the AVX-512 kernel here (kernels/cpu/cpu_isa.h: the CPU has it and
/// ONEDNN_MAX_CPU_ISA does not cap it away).
bool gate_row_has_avx512();

/// The AVX-512 kernel itself (kernels/cpu/gate_row_avx512.cpp); only on a CPU with AVX-512F and DQ.
void gate_row_avx512(float* out, const float* q_in, const float* pre, const float* add, std::int64_t D,
                     bool normalize);

}  // namespace imram::cpu
