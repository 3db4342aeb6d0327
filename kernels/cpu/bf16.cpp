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

/// This thread's stream: products inside a parallel region run on their calling thread.
dnnl::stream& this_thread_stream() {
    thread_local dnnl::stream stream(cpu_engine());
    return stream;
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
    dnnl::stream& stream = this_thread_stream();
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

struct Bf16PackedWeight::Impl {
    std::vector<bf16_t> plain;  // (K, N) row-major, compact
#ifdef IMRAM_HAVE_ONEDNN
    dnnl::memory::desc desc;  // the matmul's preferred weights layout
    dnnl::memory packed;
#endif
};

#ifdef IMRAM_HAVE_ONEDNN
namespace {

/// The bf16 matmul (M, K) x (K, N) -> f32 (M, N) with row stride ldc whose weights layout oneDNN picks
/// itself ("any"): the layout Bf16PackedWeight stores, and the primitive that reads it.
dnnl::matmul::primitive_desc packed_matmul_desc(std::int64_t M, std::int64_t K, std::int64_t N, std::int64_t ldc,
                                                float beta) {
    using dt = dnnl::memory::data_type;
    using dims = dnnl::memory::dims;
    const dnnl::memory::desc a(dims{M, K}, dt::bf16, dims{K, 1}), b(dims{K, N}, dt::bf16, dnnl::memory::format_tag::any),
        c(dims{M, N}, dt::f32, dims{ldc, 1});
    dnnl::primitive_attr attr;
    if (beta != 0.f) {
        dnnl::post_ops po;
        po.append_sum(beta);
        attr.set_post_ops(po);
    }
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), attr, cpu_engine());
}

}  // namespace
#endif

Bf16PackedWeight::Bf16PackedWeight(const float* B, std::int64_t K, std::int64_t N, std::int64_t ldb) : K_(K), N_(N) {
    IMRAM_CHECK(K > 0 && N > 0, "Bf16PackedWeight: K and N must be positive, got ", K, " and ", N);
    IMRAM_CHECK(bf16_available(), "Bf16PackedWeight: this build or CPU has no fast bf16 products; check "
                                  "bf16_available() first");
    auto impl = std::make_shared<Impl>();
    to_bf16_matrix(B, K, N, ldb, impl->plain);
#ifdef IMRAM_HAVE_ONEDNN
    // The layout depends on K and N, not on M (checked where it is used: a primitive wanting another
    // layout takes the plain copy).
    impl->desc = packed_matmul_desc(256, K, N, N, 0.f).weights_desc();
    dnnl::engine& eng = cpu_engine();
    dnnl::stream stream(eng);
    dnnl::memory plain(dnnl::memory::desc({K, N}, dnnl::memory::data_type::bf16, {N, 1}), eng, impl->plain.data());
    impl->packed = dnnl::memory(impl->desc, eng);
    dnnl::reorder(plain, impl->packed).execute(stream, plain, impl->packed);
    stream.wait();
#endif
    impl_ = std::move(impl);
}

bool gemm_bf16_packed(std::int64_t M, const float* A, std::int64_t lda, const Bf16PackedWeight& B, float beta, float* C,
                      std::int64_t ldc) {
    IMRAM_CHECK(!B.empty(), "gemm_bf16_packed: the packed weight is empty");
    if (M <= 0) return false;
    const std::int64_t K = B.K(), N = B.N();
#ifdef IMRAM_HAVE_ONEDNN
    struct Entry {
        dnnl::matmul prim;
        bool reads_packed = false;  // else: the primitive wants another layout; use the plain copy
    };
    thread_local std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, float>, Entry> cache;
    const auto key = std::make_tuple(M, K, N, ldc, beta);
    auto it = cache.find(key);
    if (it == cache.end()) {
        if (cache.size() >= kMaxShapes) cache.clear();
        const dnnl::matmul::primitive_desc pd = packed_matmul_desc(M, K, N, ldc, beta);
        Entry e;
        e.reads_packed = pd.weights_desc() == B.impl().desc;
        if (e.reads_packed) e.prim = dnnl::matmul(pd);
        it = cache.emplace(key, std::move(e)).first;
    }
    if (it->second.reads_packed) {
        thread_local std::vector<bf16_t> a;
        to_bf16_matrix(A, M, K, lda, a);
        dnnl::engine& eng = cpu_engine();
        dnnl::stream& stream = this_thread_stream();
        dnnl::memory am(dnnl::memory::desc({M, K}, dnnl::memory::data_type::bf16, {K, 1}), eng, a.data());
        dnnl::memory cm(dnnl::memory::desc({M, N}, dnnl::memory::data_type::f32, {ldc, 1}), eng, C);
        it->second.prim.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, B.impl().packed}, {DNNL_ARG_DST, cm}});
        stream.wait();
        return true;
    }
#endif
    gemm_bf16_a(false, false, M, N, K, 1.f, A, lda, B.impl().plain.data(), N, beta, C, ldc);
    return false;
}

}  // namespace imram::cpu
