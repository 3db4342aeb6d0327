// SPDX-License-Identifier: MIT
// CPU elementwise kernels. Strided ops first fuse the layouts into a "walk": size-1 dims dropped, neighbouring
// dims merged wherever every operand allows it, so a contiguous (or plainly broadcast) tensor becomes one long
// run. The innermost dim is then processed as runs of at most kChunk elements, rows in parallel with OpenMP
// when the op is large; contiguous runs go through Eigen arrays (vectorised). Layouts whose shapes disagree
// (not produced by the front-ends) fall back to the reference's per-element strided_offset loop.
// Unary ops: transcendental ones use Eigen's vectorised exp/log/tanh/sqrt (within an ulp or two of std::),
// the rest are per-op loops over the shared scalar definitions, specialised so the compiler vectorises them.
#include <algorithm>
#include <cstdint>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"
#include "kernels/strided.h"
#include "kernels/unary_math.h"

namespace imram::cpu {
namespace {

/// Elements of one innermost run handled by one OpenMP iteration.
constexpr std::int64_t kChunk = 16384;

bool same_shape(const Strided& a, const Strided& b) {
    if (a.ndim != b.ndim) return false;
    for (int d = 0; d < a.ndim; ++d)
        if (a.shape[d] != b.shape[d]) return false;
    return true;
}

/// Row-major contiguous strides of `l.shape`.
void contiguous_strides(const Strided& l, std::int64_t* out) {
    std::int64_t s = 1;
    for (int d = l.ndim - 1; d >= 0; --d) {
        out[d] = s;
        s *= l.shape[d];
    }
}

/// K operands walking one common shape, size-1 dims dropped and mergeable neighbours fused.
template <int K>
struct Walk {
    int ndim = 0;
    std::int64_t numel = 1;
    std::int64_t shape[kMaxDims] = {};
    std::int64_t stride[K][kMaxDims] = {};
};

template <int K>
Walk<K> make_walk(const Strided& l, const std::int64_t* const (&strides)[K]) {
    Walk<K> w;
    for (int d = 0; d < l.ndim; ++d) {
        w.numel *= l.shape[d];
        if (l.shape[d] == 1) continue;
        bool merge = w.ndim > 0;
        for (int k = 0; k < K && merge; ++k) merge = w.stride[k][w.ndim - 1] == strides[k][d] * l.shape[d];
        if (merge) {
            w.shape[w.ndim - 1] *= l.shape[d];
            for (int k = 0; k < K; ++k) w.stride[k][w.ndim - 1] = strides[k][d];
        } else {
            w.shape[w.ndim] = l.shape[d];
            for (int k = 0; k < K; ++k) w.stride[k][w.ndim] = strides[k][d];
            ++w.ndim;
        }
    }
    return w;
}

/// True when operand k never revisits an element (no stride-0 dim left), so runs can be written concurrently.
template <int K>
bool injective(const Walk<K>& w, int k) {
    for (int d = 0; d < w.ndim; ++d)
        if (w.stride[k][d] == 0) return false;
    return true;
}

/// Calls run(off, step, len) for each piece of the innermost dim: off[k] is operand k's element offset at the
/// piece's start, step[k] its innermost stride. Pieces run in parallel when `parallel` and the walk is large.
template <int K, class Run>
void for_each_run(const Walk<K>& w, bool parallel, const Run& run) {
    const int nd = w.ndim;
    const std::int64_t len = nd > 0 ? w.shape[nd - 1] : 1;
    std::int64_t step[K];
    for (int k = 0; k < K; ++k) step[k] = nd > 0 ? w.stride[k][nd - 1] : 0;
    const std::int64_t chunks = (len + kChunk - 1) / kChunk;
    const std::int64_t pieces = w.numel / len * chunks;
#pragma omp parallel for schedule(static) if (parallel && w.numel > kOmpMinWork)
    for (std::int64_t t = 0; t < pieces; ++t) {
        std::int64_t row = t / chunks;
        const std::int64_t c = t % chunks;
        std::int64_t off[K];
        for (int k = 0; k < K; ++k) off[k] = c * kChunk * step[k];
        for (int d = nd - 2; d >= 0; --d) {
            const std::int64_t q = row % w.shape[d];
            row /= w.shape[d];
            for (int k = 0; k < K; ++k) off[k] += q * w.stride[k][d];
        }
        run(off, step, std::min(kChunk, len - c * kChunk));
    }
}

/// f(begin, len) over [0, n) in kChunk pieces, in parallel when n is large.
template <class F>
void for_each_chunk(std::int64_t n, const F& f) {
    const std::int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n > kOmpMinWork)
    for (std::int64_t c = 0; c < chunks; ++c) f(c * kChunk, std::min(kChunk, n - c * kChunk));
}

/// out = f(a, b) with out contiguous; f works on scalars and on Eigen array expressions alike.
template <class T, class F>
void binary_walk(const BinaryArgs<T>& a, const F& f) {
    std::int64_t cs[kMaxDims];
    contiguous_strides(a.la, cs);
    const auto w = make_walk<3>(a.la, {cs, a.la.stride, a.lb.stride});
    for_each_run(w, true, [&](const std::int64_t* off, const std::int64_t* st, std::int64_t len) {
        T* o = a.out + off[0];  // out is contiguous: its innermost step is 1 whenever len > 1
        const T* x = a.a + off[1];
        const T* y = a.b + off[2];
        auto out = array_map(o, len);
        if (st[1] == 1 && st[2] == 1)
            out = f(array_map(x, len), array_map(y, len));
        else if (st[1] == 1 && st[2] == 0)
            out = f(array_map(x, len), *y);
        else if (st[1] == 0 && st[2] == 1)
            out = f(*x, array_map(y, len));
        else
            for (std::int64_t i = 0; i < len; ++i) o[i] = f(x[i * st[1]], y[i * st[2]]);
    });
}

template <UnaryOp Op, class T>
void unary_fwd_loop(const UnaryArgs<T>& a) {
    for_each_chunk(a.n, [&](std::int64_t b, std::int64_t len) {
        const T* x = a.x + b;
        T* y = a.y + b;
        for (std::int64_t i = 0; i < len; ++i) y[i] = unary_value(Op, x[i], a.p0, a.p1);
    });
}

template <class T, class F>
void unary_fwd_eigen(const UnaryArgs<T>& a, const F& f) {
    for_each_chunk(a.n,
                   [&](std::int64_t b, std::int64_t len) { array_map(a.y + b, len) = f(array_map(a.x + b, len)); });
}

template <UnaryOp Op, class T>
void unary_bwd_loop(const UnaryBwdArgs<T>& a) {
    for_each_chunk(a.n, [&](std::int64_t b, std::int64_t len) {
        const T *x = a.x + b, *y = a.y + b, *dy = a.dy + b;
        T* dx = a.dx + b;
        for (std::int64_t i = 0; i < len; ++i) dx[i] = dy[i] * unary_derivative(Op, x[i], y[i], a.p0, a.p1);
    });
}

/// True when a copy's walk is a batch of 2-D transposes: dst runs along the innermost dim while src
/// runs along the one before it. Element by element that copy reads one value per cache line.
template <int K>
bool is_transpose(const Walk<K>& w) {
    const int nd = w.ndim;
    return nd >= 2 && w.stride[0][nd - 1] == 1 && w.stride[1][nd - 2] == 1 && w.stride[1][nd - 1] != 0 &&
           w.stride[0][nd - 2] != 0;
}

/// The transposing copy in kTile x kTile tiles, so that the lines read and the lines written both stay
/// in L1 while a tile is moved; tiles in parallel. Same values as the element loop, in another order
/// (the destination is injective, so the order does not matter).
template <class T>
void copy_transposed(const Walk<2>& w, T* dst, const T* src) {
    constexpr std::int64_t kTile = 32;
    const int nd = w.ndim;
    const std::int64_t R = w.shape[nd - 2], C = w.shape[nd - 1];
    const std::int64_t d_row = w.stride[0][nd - 2], s_col = w.stride[1][nd - 1];
    const std::int64_t row_tiles = (R + kTile - 1) / kTile, col_tiles = (C + kTile - 1) / kTile;
    const std::int64_t batches = w.numel / (R * C), tiles = batches * row_tiles * col_tiles;
#pragma omp parallel for schedule(static) if (w.numel > kOmpMinWork)
    for (std::int64_t t = 0; t < tiles; ++t) {
        std::int64_t rest = t / (row_tiles * col_tiles);
        const std::int64_t r0 = (t / col_tiles) % row_tiles * kTile, c0 = t % col_tiles * kTile;
        std::int64_t od = 0, os = 0;
        for (int d = nd - 3; d >= 0; --d) {
            const std::int64_t q = rest % w.shape[d];
            rest /= w.shape[d];
            od += q * w.stride[0][d];
            os += q * w.stride[1][d];
        }
        const std::int64_t r1 = std::min(r0 + kTile, R), c1 = std::min(c0 + kTile, C);
        for (std::int64_t c = c0; c < c1; ++c)
            for (std::int64_t r = r0; r < r1; ++r) dst[od + r * d_row + c] = src[os + r + c * s_col];
    }
}

}  // namespace

template <class T>
void copy_strided(const CopyArgs<T>& a) {
    const Strided &ls = a.src_layout, &ld = a.dst_layout;
    const std::int64_t n = strided_numel(ls);
    if (n == 0) return;
    if (!same_shape(ls, ld)) {
        for (std::int64_t i = 0; i < n; ++i) a.dst[strided_offset(ld, i)] = a.src[strided_offset(ls, i)];
        return;
    }
    const auto w = make_walk<2>(ls, {ld.stride, ls.stride});
    if (injective(w, 0) && is_transpose(w)) {
        copy_transposed(w, a.dst, a.src);
        return;
    }
    // A dst with a stride-0 dim writes one element several times (last write wins): keep that order, serially.
    for_each_run(w, injective(w, 0), [&](const std::int64_t* off, const std::int64_t* st, std::int64_t len) {
        T* d = a.dst + off[0];
        const T* s = a.src + off[1];
        if (st[0] == 1 && st[1] == 1)
            std::copy_n(s, len, d);
        else if (st[0] == 1 && st[1] == 0)
            std::fill_n(d, len, *s);
        else
            for (std::int64_t i = 0; i < len; ++i) d[i * st[0]] = s[i * st[1]];
    });
}

template <class T>
void binary(const BinaryArgs<T>& a) {
    const std::int64_t n = strided_numel(a.la);
    if (n == 0) return;
    if (!same_shape(a.la, a.lb)) {
        for (std::int64_t i = 0; i < n; ++i)
            a.out[i] = binary_value(a.op, a.a[strided_offset(a.la, i)], a.b[strided_offset(a.lb, i)]);
        return;
    }
    switch (a.op) {
        case BinaryOp::Add:
            binary_walk(a, [](const auto& x, const auto& y) { return x + y; });
            break;
        case BinaryOp::Sub:
            binary_walk(a, [](const auto& x, const auto& y) { return x - y; });
            break;
        case BinaryOp::Mul:
            binary_walk(a, [](const auto& x, const auto& y) { return x * y; });
            break;
        case BinaryOp::Div:
            binary_walk(a, [](const auto& x, const auto& y) { return x / y; });
            break;
    }
}

template <class T>
void where(const WhereArgs<T>& a) {
    const std::int64_t n = strided_numel(a.lc);
    if (n == 0) return;
    if (!same_shape(a.lc, a.la) || !same_shape(a.lc, a.lb)) {
        for (std::int64_t i = 0; i < n; ++i)
            a.out[i] = a.cond[strided_offset(a.lc, i)] ? a.a[strided_offset(a.la, i)] : a.b[strided_offset(a.lb, i)];
        return;
    }
    std::int64_t cs[kMaxDims];
    contiguous_strides(a.lc, cs);
    const auto w = make_walk<4>(a.lc, {cs, a.lc.stride, a.la.stride, a.lb.stride});
    for_each_run(w, true, [&](const std::int64_t* off, const std::int64_t* st, std::int64_t len) {
        T* o = a.out + off[0];
        const std::uint8_t* c = a.cond + off[1];
        const T* x = a.a + off[2];
        const T* y = a.b + off[3];
        if (st[1] == 1 && st[2] == 1 && st[3] == 1)
            for (std::int64_t i = 0; i < len; ++i) o[i] = c[i] ? x[i] : y[i];
        else
            for (std::int64_t i = 0; i < len; ++i) o[i] = c[i * st[1]] ? x[i * st[2]] : y[i * st[3]];
    });
}

template <class T>
void unary_fwd(const UnaryArgs<T>& a) {
    if (a.n <= 0) return;
    switch (a.op) {
        case UnaryOp::Neg:
            unary_fwd_loop<UnaryOp::Neg>(a);
            break;
        case UnaryOp::Exp:
            unary_fwd_eigen(a, [](const auto& x) { return x.exp(); });
            break;
        case UnaryOp::Log:
            unary_fwd_eigen(a, [](const auto& x) { return x.log(); });
            break;
        case UnaryOp::Sqrt:
            unary_fwd_eigen(a, [](const auto& x) { return x.sqrt(); });
            break;
        case UnaryOp::Tanh:
            unary_fwd_eigen(a, [](const auto& x) { return x.tanh(); });
            break;
        case UnaryOp::Sigmoid:
            unary_fwd_eigen(a, [](const auto& x) { return (T(1) + (-x).exp()).inverse(); });
            break;
        case UnaryOp::Relu:
            unary_fwd_loop<UnaryOp::Relu>(a);
            break;
        case UnaryOp::LeakyRelu:
            unary_fwd_loop<UnaryOp::LeakyRelu>(a);
            break;
        case UnaryOp::Pow:
            unary_fwd_loop<UnaryOp::Pow>(a);
            break;
        case UnaryOp::Clamp:
            unary_fwd_loop<UnaryOp::Clamp>(a);
            break;
    }
}

template <class T>
void unary_bwd(const UnaryBwdArgs<T>& a) {
    if (a.n <= 0) return;
    switch (a.op) {
        case UnaryOp::Neg:
            unary_bwd_loop<UnaryOp::Neg>(a);
            break;
        case UnaryOp::Exp:
            unary_bwd_loop<UnaryOp::Exp>(a);
            break;
        case UnaryOp::Log:
            unary_bwd_loop<UnaryOp::Log>(a);
            break;
        case UnaryOp::Sqrt:
            unary_bwd_loop<UnaryOp::Sqrt>(a);
            break;
        case UnaryOp::Tanh:
            unary_bwd_loop<UnaryOp::Tanh>(a);
            break;
        case UnaryOp::Sigmoid:
            unary_bwd_loop<UnaryOp::Sigmoid>(a);
            break;
        case UnaryOp::Relu:
            unary_bwd_loop<UnaryOp::Relu>(a);
            break;
        case UnaryOp::LeakyRelu:
            unary_bwd_loop<UnaryOp::LeakyRelu>(a);
            break;
        case UnaryOp::Pow:
            unary_bwd_loop<UnaryOp::Pow>(a);
            break;
        case UnaryOp::Clamp:
            unary_bwd_loop<UnaryOp::Clamp>(a);
            break;
    }
}

template void copy_strided(const CopyArgs<float>&);
template void copy_strided(const CopyArgs<double>&);
template void copy_strided(const CopyArgs<std::int32_t>&);
template void copy_strided(const CopyArgs<std::int64_t>&);
template void copy_strided(const CopyArgs<std::uint8_t>&);
#define IMRAM_INST(T)                             \
    template void binary(const BinaryArgs<T>&);   \
    template void where(const WhereArgs<T>&);     \
    template void unary_fwd(const UnaryArgs<T>&); \
    template void unary_bwd(const UnaryBwdArgs<T>&);
IMRAM_INST(float)
IMRAM_INST(double)
#undef IMRAM_INST

}  // namespace imram::cpu
