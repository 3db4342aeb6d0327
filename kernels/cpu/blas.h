// SPDX-License-Identifier: MIT
// The GEMM library behind every CPU matrix product of the engine (docs/PERFORMANCE.md, "GEMM").
//
// One of three, chosen once per process at the first product:
//   oneDNN   (Debian's libdnnl-dev) picks its kernels at run time from the CPU's features (AVX2,
//            AVX-512, AMX), so one binary runs near peak on every x86-64 machine. The default when
//            the build found it.
//   OpenBLAS (libopenblas-dev) used as a single-threaded inner kernel; its kernel choice follows
//            OPENBLAS_CORETYPE, which the environment of some machines pins to Haswell (AVX2).
//   Eigen    always there; the fallback.
// IMRAM_GEMM=onednn|openblas|eigen overrides the choice (benchmarks compare them in one build). Only
// float products go to oneDNN (it has no double GEMM); double ones use OpenBLAS or Eigen.
//
// The engine does its own threading (OpenMP, kernels/cpu/gemm.cpp). A product called inside a parallel
// region runs on the calling thread with every library; outside one, oneDNN threads a large product
// itself (its partition beats the engine's row blocks for short, wide products).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace imram::cpu {

enum class GemmLibrary { Eigen, OpenBLAS, OneDNN };

/// Lower-case name: "eigen", "openblas", "onednn".
const char* gemm_library_name(GemmLibrary lib);

/// True when this build has `lib` (Eigen always).
bool gemm_library_built(GemmLibrary lib);

/// The library a value of IMRAM_GEMM names ("onednn", "openblas", "eigen"); throws, naming the variable,
/// the value and the libraries this build has, for any other value or one not built.
GemmLibrary parse_gemm_library(std::string_view value);

/// The library float products use in this process: IMRAM_GEMM when set (an unknown or unbuilt name
/// throws, naming the variable and the choices), else the best one built. Fixed at the first call.
GemmLibrary gemm_library();

/// Replaces the choice for the rest of the process (tests and benchmarks compare libraries in one
/// run); throws when `lib` is not built. Not to be called while products run on other threads.
void set_gemm_library(GemmLibrary lib);

/// One line for logs and --version: the library, its version and, for oneDNN, the instruction set its
/// kernels run with on this CPU ("oneDNN 2.6.3 (avx512_core_amx)").
std::string gemm_library_description();

/// True when oneDNN runs bf16 products on this CPU at bf16 speed (AVX-512 BF16 or AMX).
bool have_fast_bf16();

/// Row-major C (M, N) = alpha op(A) op(B) + beta C; op(A) is (M, K) (A stored (K, M) when ta), op(B) is
/// (K, N). beta == 0 never reads C. Runs on the calling thread when called inside a parallel region.
template <class T>
void blas_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A,
               std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc);

}  // namespace imram::cpu
