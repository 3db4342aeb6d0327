// SPDX-License-Identifier: MIT
#include "kernels/cpu/cpu_isa.h"

#include <cctype>
#include <cstdlib>

#ifdef IMRAM_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

namespace imram::cpu {
namespace {

const char* cap_variable_value() {
    for (const char* name : {"ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"}) {
        const char* v = std::getenv(name);
        if (v != nullptr && *v != '\0') return v;
    }
    return nullptr;
}

bool cap_allows_avx512() {
#ifdef IMRAM_HAVE_ONEDNN
    // oneDNN has already applied the cap (and ignored a value it does not know): follow what its
    // kernels run with, so the GEMMs and the project's kernels never disagree. Every AVX-512 level of
    // dnnl_cpu_isa_t has the avx512_core bits.
    const unsigned isa = static_cast<unsigned>(dnnl_get_effective_cpu_isa());
    const unsigned core = static_cast<unsigned>(dnnl_cpu_isa_avx512_core);
    return (isa & core) == core;
#else
    const char* v = cap_variable_value();
    if (v == nullptr) return true;
    std::string s(v);
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s == "ALL" || s.rfind("AVX512", 0) == 0;
#endif
}

}  // namespace

bool cpu_may_use_avx512() {
    static const bool yes =
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && cap_allows_avx512();
    return yes;
}

std::string cpu_isa_cap() {
    const char* v = cap_variable_value();
    return v == nullptr ? std::string() : std::string(v);
}

}  // namespace imram::cpu
