// SPDX-License-Identifier: MIT
#include "kernels/cpu/blas.h"

#include <atomic>
#include <cstdlib>

#include "base/check.h"
#include "kernels/cpu/eigen_maps.h"

#ifdef IMRAM_HAVE_OPENBLAS
#include <cblas.h>
#endif
#ifdef IMRAM_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

namespace imram::cpu {
namespace {

/// Products smaller than this many multiply-adds stay on Eigen: a library call's overhead dominates there.
constexpr std::int64_t kLibraryMinWork = std::int64_t{1} << 15;

#ifdef IMRAM_HAVE_OPENBLAS
// OpenBLAS's own thread pool would fight the engine's OpenMP threads: make every call run on the
// calling thread, once, before the first GEMM.
struct SingleThreadedBlas {
    SingleThreadedBlas() { openblas_set_num_threads(1); }
};
const SingleThreadedBlas g_single_threaded_blas;
#endif

constexpr GemmLibrary kAllLibraries[] = {GemmLibrary::OneDNN, GemmLibrary::OpenBLAS, GemmLibrary::Eigen};

GemmLibrary best_built() {
    for (GemmLibrary lib : kAllLibraries)
        if (gemm_library_built(lib)) return lib;
    return GemmLibrary::Eigen;
}

GemmLibrary library_from_environment() {
    const char* s = std::getenv("IMRAM_GEMM");
    return s == nullptr || *s == '\0' ? best_built() : parse_gemm_library(s);
}

std::atomic<GemmLibrary>& chosen() {
    static std::atomic<GemmLibrary> lib{library_from_environment()};
    return lib;
}

template <class T>
void eigen_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A,
                std::int64_t lda, const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
    auto c = matrix_map(C, M, N, ldc);
    const auto a = matrix_map(A, ta ? K : M, ta ? M : K, lda);
    const auto b = matrix_map(B, tb ? N : K, tb ? K : N, ldb);
    auto run = [&](const auto& x, const auto& y) {
        if (beta == T(0)) c.noalias() = alpha * (x * y);
        else {
            if (beta != T(1)) c *= beta;
            c.noalias() += alpha * (x * y);
        }
    };
    if (!ta && !tb) run(a, b);
    else if (ta && !tb) run(a.transpose(), b);
    else if (!ta && tb) run(a, b.transpose());
    else run(a.transpose(), b.transpose());
}

#ifdef IMRAM_HAVE_OPENBLAS
// One name for sgemm and dgemm, so blas_gemm below is written once.
void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc) {
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, double alpha, const double* A, int lda,
                const double* B, int ldb, double beta, double* C, int ldc) {
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
#endif

#ifdef IMRAM_HAVE_ONEDNN
// oneDNN has single precision only; double products fall through to the next library.
bool onednn_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
                 std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
    const dnnl_status_t st =
        dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    IMRAM_CHECK(st == dnnl_success, "oneDNN sgemm failed (status ", static_cast<int>(st), ") for M ", M, ", N ", N,
                ", K ", K, ", lda ", lda, ", ldb ", ldb, ", ldc ", ldc);
    return true;
}
bool onednn_gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*, std::int64_t,
                 const double*, std::int64_t, double, double*, std::int64_t) {
    return false;
}

const char* isa_name(dnnl_cpu_isa_t isa) {
    switch (isa) {
        case dnnl_cpu_isa_sse41: return "sse41";
        case dnnl_cpu_isa_avx: return "avx";
        case dnnl_cpu_isa_avx2: return "avx2";
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
        case dnnl_cpu_isa_avx512_core: return "avx512_core";
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
        default: return "other";
    }
}
#endif

}  // namespace

GemmLibrary parse_gemm_library(std::string_view value) {
    std::string built;
    for (GemmLibrary lib : kAllLibraries) {
        if (!gemm_library_built(lib)) continue;
        if (value == gemm_library_name(lib)) return lib;
        built += built.empty() ? "" : ", ";
        built += gemm_library_name(lib);
    }
    IMRAM_FAIL("environment variable IMRAM_GEMM: expected one of the GEMM libraries this build has (", built,
               "), got '", value, "'");
}

const char* gemm_library_name(GemmLibrary lib) {
    switch (lib) {
        case GemmLibrary::Eigen: return "eigen";
        case GemmLibrary::OpenBLAS: return "openblas";
        case GemmLibrary::OneDNN: return "onednn";
    }
    return "?";
}

bool gemm_library_built(GemmLibrary lib) {
    switch (lib) {
        case GemmLibrary::Eigen: return true;
        case GemmLibrary::OpenBLAS:
#ifdef IMRAM_HAVE_OPENBLAS
            return true;
#else
            return false;
#endif
        case GemmLibrary::OneDNN:
#ifdef IMRAM_HAVE_ONEDNN
            return true;
#else
            return false;
#endif
    }
    return false;
}

GemmLibrary gemm_library() { return chosen().load(std::memory_order_relaxed); }

void set_gemm_library(GemmLibrary lib) {
    IMRAM_CHECK(gemm_library_built(lib), "set_gemm_library: this build has no ", gemm_library_name(lib));
    chosen().store(lib, std::memory_order_relaxed);
}

std::string gemm_library_description() {
    switch (gemm_library()) {
        case GemmLibrary::Eigen: return "Eigen";
        case GemmLibrary::OpenBLAS: {
            const char* core = std::getenv("OPENBLAS_CORETYPE");
            return std::string("OpenBLAS, single-threaded kernels (OPENBLAS_CORETYPE=") + (core ? core : "unset") + ")";
        }
        case GemmLibrary::OneDNN: {
#ifdef IMRAM_HAVE_ONEDNN
            const dnnl_version_t* v = dnnl_version();
            return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                   std::to_string(v->patch) + " (" + isa_name(dnnl_get_effective_cpu_isa()) + ")";
#endif
        }
    }
    return "?";
}

bool have_fast_bf16() {
#ifdef IMRAM_HAVE_ONEDNN
    const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return isa == dnnl_cpu_isa_avx512_core_bf16 || isa == dnnl_cpu_isa_avx512_core_amx;
#else
    return false;
#endif
}

template <class T>
void blas_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t lda,
               const T* B, std::int64_t ldb, T beta, T* C, std::int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    if (K == 0) {
        auto c = matrix_map(C, M, N, ldc);
        if (beta == T(0)) c.setZero();
        else c *= beta;
        return;
    }
    if (M * N * K >= kLibraryMinWork) {
        const GemmLibrary lib = gemm_library();
#ifdef IMRAM_HAVE_ONEDNN
        if (lib == GemmLibrary::OneDNN && onednn_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)) return;
#endif
#ifdef IMRAM_HAVE_OPENBLAS
        if (lib != GemmLibrary::Eigen) {
            cblas_gemm(ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(M),
                       static_cast<int>(N), static_cast<int>(K), alpha, A, static_cast<int>(lda), B,
                       static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
            return;
        }
#endif
        (void)lib;
    }
    eigen_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template void blas_gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                        const float*, std::int64_t, float, float*, std::int64_t);
template void blas_gemm(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*, std::int64_t,
                        const double*, std::int64_t, double, double*, std::int64_t);

}  // namespace imram::cpu
