// SPDX-License-Identifier: MIT
#include "kernels/cpu/bf16.h"

#include <atomic>
#include <cstring>
#include <map>
#include <tuple>
#include <vector>

#include "base/check.h"
#include "kernels/cpu/blas.h"

#ifdef IMRAM_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace imram::cpu {
namespace {

std::atomic<GemmPrecision> g_precision{GemmPrecision::F32}, g_tape_precision{GemmPrecision::F32};

/// A rows x cols float matrix with leading dimension ld, rounded into a compact bf16 buffer.
void to_bf16_matrix(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld, std::vector<bf16_t>& out) {
    out.resize(static_cast<std::size_t>(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r) to_bf16(x + r * ld, cols, out.data() + r * cols);
}

#ifdef IMRAM_HAVE_ONEDNN
/// One matmul primitive per shape, kept per thread (a primitive's scratchpad is not shared): the
/// products of a scorer repeat a few shapes many times.
struct Key {
    bool ta, tb;
    std::int64_t M, N, K, lda, ldb, ldc;
    float alpha, beta;
    bool operator<(const Key& o) const {
        return std::tie(ta, tb, M, N, K, lda, ldb, ldc, alpha, beta) <
               std::tie(o.ta, o.tb, o.M, o.N, o.K, o.lda, o.ldb, o.ldc, o.alpha, o.beta);
    }
};

struct Bf16Matmul {
    dnnl::matmul prim;
    dnnl::memory::desc a, b, c;
};

dnnl::engine& cpu_engine() {
    static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    return eng;
}

/// Primitives of this thread; at most kMaxShapes (then the oldest set is dropped).
constexpr std::size_t kMaxShapes = 512;

const Bf16Matmul& matmul_for(const Key& k) {
    thread_local std::map<Key, Bf16Matmul> cache;
    if (auto it = cache.find(k); it != cache.end()) return it->second;
    if (cache.size() >= kMaxShapes) cache.clear();
    using dt = dnnl::memory::data_type;
    using dims = dnnl::memory::dims;
    Bf16Matmul m;
    m.a = dnnl::memory::desc(dims{k.M, k.K}, dt::bf16, k.ta ? dims{1, k.lda} : dims{k.lda, 1});
    m.b = dnnl::memory::desc(dims{k.K, k.N}, dt::bf16, k.tb ? dims{1, k.ldb} : dims{k.ldb, 1});
    m.c = dnnl::memory::desc(dims{k.M, k.N}, dt::f32, dims{k.ldc, 1});
    dnnl::primitive_attr attr;
    if (k.alpha != 1.f) attr.set_output_scales(0, {k.alpha});
    if (k.beta != 0.f) {
        dnnl::post_ops po;
        po.append_sum(k.beta);
        attr.set_post_ops(po);
    }
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(m.a, m.b, m.c), attr, cpu_engine());
    m.prim = dnnl::matmul(pd);
    return cache.emplace(k, std::move(m)).first->second;
}
#endif

}  // namespace

void to_bf16(const float* x, std::int64_t n, bf16_t* out) {
    for (std::int64_t i = 0; i < n; ++i) {
        std::uint32_t u;
        std::memcpy(&u, x + i, sizeof u);
        const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
        const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;  // to nearest, ties to even
        out[i] = static_cast<bf16_t>(nan ? ((u >> 16) | 0x40u) : rounded);    // NaN: keep it quiet
    }
}

float from_bf16(bf16_t b) {
    const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

bool bf16_available() { return gemm_library() == GemmLibrary::OneDNN && have_fast_bf16(); }

namespace {

/// Stores p in `setting`, or F32 when BF16 is asked for and bf16_available() is false.
GemmPrecision set_precision(std::atomic<GemmPrecision>& setting, GemmPrecision p) {
    const GemmPrecision effective = p == GemmPrecision::BF16 && !bf16_available() ? GemmPrecision::F32 : p;
    setting.store(effective, std::memory_order_relaxed);
    return effective;
}

}  // namespace

GemmPrecision set_gemm_precision(GemmPrecision p) { return set_precision(g_precision, p); }

GemmPrecision gemm_precision() { return g_precision.load(std::memory_order_relaxed); }

GemmPrecision set_tape_gemm_precision(GemmPrecision p) { return set_precision(g_tape_precision, p); }

GemmPrecision tape_gemm_precision() { return g_tape_precision.load(std::memory_order_relaxed); }

void gemm_bf16(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const bf16_t* A,
               std::int64_t lda, const bf16_t* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    IMRAM_CHECK(K > 0, "gemm_bf16: K must be positive, got ", K);
    IMRAM_CHECK(bf16_available(), "gemm_bf16: this build or CPU has no fast bf16 products (oneDNN with AVX-512 "
                                  "BF16 or AMX); check bf16_available() first");
#ifdef IMRAM_HAVE_ONEDNN
    const Bf16Matmul& m = matmul_for(Key{ta, tb, M, N, K, lda, ldb, ldc, alpha, beta});
    dnnl::engine& eng = cpu_engine();
    thread_local dnnl::stream stream(eng);
    dnnl::memory a(m.a, eng, const_cast<bf16_t*>(A)), b(m.b, eng, const_cast<bf16_t*>(B)), c(m.c, eng, C);
    m.prim.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    stream.wait();
#else
    (void)ta, (void)tb, (void)alpha, (void)A, (void)lda, (void)B, (void)ldb, (void)beta, (void)C, (void)ldc;
#endif
}

void gemm_bf16_a(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
                 std::int64_t lda, const bf16_t* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
    thread_local std::vector<bf16_t> a;
    const std::int64_t rows = ta ? K : M, cols = ta ? M : K;
    to_bf16_matrix(A, rows, cols, lda, a);
    gemm_bf16(ta, tb, M, N, K, alpha, a.data(), cols, B, ldb, beta, C, ldc);
}

void gemm_bf16_ab(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
                  std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
    thread_local std::vector<bf16_t> b;
    const std::int64_t rows = tb ? N : K, cols = tb ? K : N;
    to_bf16_matrix(B, rows, cols, ldb, b);
    gemm_bf16_a(ta, tb, M, N, K, alpha, A, lda, b.data(), cols, beta, C, ldc);
}

}  // namespace imram::cpu
