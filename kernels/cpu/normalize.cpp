// SPDX-License-Identifier: MIT
// CPU (log_)softmax with validity mask, l2norm and cosine similarity, forward and backward; the formulas are
// the reference's (kernels/ref/normalize.cpp). Softmax over the last dim (I == 1) works on contiguous rows with
// Eigen arrays (vectorised exp and sums), masked positions handled with select() so excluded entries and fully
// excluded rows come out exactly 0 (the inf / NaN of the discarded branch never reaches y). I > 1 walks a block
// of kCols columns of one o at a time, rows of the block in r order (vectorisable over i). l2norm and cosine
// are Eigen row operations. Everything runs in parallel over rows (or (o, column block)) when large.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

/// Columns of I handled at once by the strided (I > 1) softmax; per-column state lives on the stack.
constexpr std::int64_t kCols = 256;

using MaskMap = Eigen::Map<const Eigen::Array<std::uint8_t, Eigen::Dynamic, 1>>;

template <class T>
T masked_max(const T* x, const std::uint8_t* v, std::int64_t R) {
    T m = -std::numeric_limits<T>::infinity();
    if (v) {
        for (std::int64_t r = 0; r < R; ++r)
            if (v[r] != 0 && x[r] > m) m = x[r];
    } else {
        for (std::int64_t r = 0; r < R; ++r)
            if (x[r] > m) m = x[r];
    }
    return m;
}

/// One contiguous row of R (I == 1).
template <class T>
void softmax_row(const T* x, const std::uint8_t* v, T* y, std::int64_t R, bool log) {
    const T m = masked_max(x, v, R);
    const auto X = array_map(x, R);
    auto Y = array_map(y, R);
    if (v == nullptr) {
        Y = (X - m).exp();
        const T s = Y.sum();
        if (log)
            Y = X - m - std::log(s);
        else
            Y /= s;
        return;
    }
    const MaskMap valid(v, R);
    const auto keep = valid != std::uint8_t(0);
    Y = keep.select((X - m).exp(), T(0));
    const T s = Y.sum();
    if (log)
        Y = keep.select(X - m - std::log(s), T(0));
    else
        Y = keep.select(Y / s, T(0));
}

template <class T>
void softmax_bwd_row(const T* y, const std::uint8_t* v, const T* dy, T* dx, std::int64_t R, bool log) {
    const auto Y = array_map(y, R), DY = array_map(dy, R);
    auto DX = array_map(dx, R);
    if (v == nullptr) {
        if (log)
            DX = DY - Y.exp() * DY.sum();
        else
            DX = Y * (DY - (DY * Y).sum());
        return;
    }
    const MaskMap valid(v, R);
    const auto keep = valid != std::uint8_t(0);
    if (log) {
        const T s = keep.select(DY, T(0)).sum();
        DX = keep.select(DY - Y.exp() * s, T(0));
    } else {
        const T s = keep.select(DY * Y, T(0)).sum();
        DX = keep.select(Y * (DY - s), T(0));
    }
}

/// Columns [i0, i1) of one o (I > 1): x, v, y point at element [o, 0, 0].
template <class T>
void softmax_cols(const T* x, const std::uint8_t* v, T* y, std::int64_t R, std::int64_t I, std::int64_t i0,
                  std::int64_t i1, bool log) {
    T m[kCols], s[kCols];
    const std::int64_t w = i1 - i0;
    auto ok = [&](std::int64_t r, std::int64_t i) { return v == nullptr || v[r * I + i] != 0; };
    std::fill_n(m, w, -std::numeric_limits<T>::infinity());
    std::fill_n(s, w, T(0));
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t i = i0; i < i1; ++i)
            if (ok(r, i) && x[r * I + i] > m[i - i0]) m[i - i0] = x[r * I + i];
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t i = i0; i < i1; ++i) {
            const T e = ok(r, i) ? std::exp(x[r * I + i] - m[i - i0]) : T(0);
            y[r * I + i] = e;
            s[i - i0] += e;
        }
    if (log)
        for (std::int64_t k = 0; k < w; ++k) s[k] = std::log(s[k]);
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t i = i0; i < i1; ++i) {
            T& out = y[r * I + i];
            if (!ok(r, i))
                out = T(0);
            else
                out = log ? x[r * I + i] - m[i - i0] - s[i - i0] : out / s[i - i0];
        }
}

template <class T>
void softmax_bwd_cols(const T* y, const std::uint8_t* v, const T* dy, T* dx, std::int64_t R, std::int64_t I,
                      std::int64_t i0, std::int64_t i1, bool log) {
    T s[kCols];
    auto ok = [&](std::int64_t r, std::int64_t i) { return v == nullptr || v[r * I + i] != 0; };
    std::fill_n(s, i1 - i0, T(0));
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t i = i0; i < i1; ++i)
            if (ok(r, i)) s[i - i0] += log ? dy[r * I + i] : dy[r * I + i] * y[r * I + i];
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t i = i0; i < i1; ++i) {
            const std::int64_t p = r * I + i;
            if (!ok(r, i))
                dx[p] = T(0);
            else if (log)
                dx[p] = dy[p] - std::exp(y[p]) * s[i - i0];
            else
                dx[p] = y[p] * (dy[p] - s[i - i0]);
        }
}

/// f(o, i0, i1) over every o and column block of I, in parallel when the tensor is large.
template <class F>
void for_each_block(std::int64_t O, std::int64_t R, std::int64_t I, const F& f) {
    const std::int64_t blocks = (I + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if (O * R * I > kOmpMinWork)
    for (std::int64_t t = 0; t < O * blocks; ++t) {
        const std::int64_t o = t / blocks, i0 = (t % blocks) * kCols;
        f(o, i0, std::min(I, i0 + kCols));
    }
}

}  // namespace

template <class T>
void softmax_fwd(const SoftmaxArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, I = a.I;
    if (I == 1) {
#pragma omp parallel for schedule(static) if (O * R > kOmpMinWork)
        for (std::int64_t o = 0; o < O; ++o)
            softmax_row(a.x + o * R, a.valid ? a.valid + o * R : nullptr, a.y + o * R, R, a.log);
        return;
    }
    for_each_block(O, R, I, [&](std::int64_t o, std::int64_t i0, std::int64_t i1) {
        const std::int64_t base = o * R * I;
        softmax_cols(a.x + base, a.valid ? a.valid + base : nullptr, a.y + base, R, I, i0, i1, a.log);
    });
}

template <class T>
void softmax_bwd(const SoftmaxBwdArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, I = a.I;
    if (I == 1) {
#pragma omp parallel for schedule(static) if (O * R > kOmpMinWork)
        for (std::int64_t o = 0; o < O; ++o)
            softmax_bwd_row(a.y + o * R, a.valid ? a.valid + o * R : nullptr, a.dy + o * R, a.dx + o * R, R, a.log);
        return;
    }
    for_each_block(O, R, I, [&](std::int64_t o, std::int64_t i0, std::int64_t i1) {
        const std::int64_t base = o * R * I;
        softmax_bwd_cols(a.y + base, a.valid ? a.valid + base : nullptr, a.dy + base, a.dx + base, R, I, i0, i1, a.log);
    });
}

template <class T>
void l2norm_fwd(const L2NormArgs<T>& a) {
    const std::int64_t D = a.D;
#pragma omp parallel for schedule(static) if (a.N * D > kOmpMinWork)
    for (std::int64_t r = 0; r < a.N; ++r) {
        const auto x = array_map(a.x + r * D, D);
        const T n = std::sqrt(x.matrix().squaredNorm());
        a.norm[r] = n;
        array_map(a.y + r * D, D) = x / (n + a.eps);
    }
}

// dx = dy / (n + eps) - y <dy, y> / n   (second term 0 when n == 0)
template <class T>
void l2norm_bwd(const L2NormBwdArgs<T>& a) {
    const std::int64_t D = a.D;
#pragma omp parallel for schedule(static) if (a.N * D > kOmpMinWork)
    for (std::int64_t r = 0; r < a.N; ++r) {
        const auto dy = array_map(a.dy + r * D, D), y = array_map(a.y + r * D, D);
        auto dx = array_map(a.dx + r * D, D);
        const T n = a.norm[r];
        if (n > T(0))
            dx = dy / (n + a.eps) - y * (dy * y).sum() / n;
        else
            dx = dy / (n + a.eps);
    }
}

template <class T>
void cosine_fwd(const CosineArgs<T>& c) {
    const std::int64_t D = c.D;
#pragma omp parallel for schedule(static) if (c.N * D > kOmpMinWork)
    for (std::int64_t r = 0; r < c.N; ++r) {
        const auto a = array_map(c.a + r * D, D), b = array_map(c.b + r * D, D);
        const T w = std::sqrt(a.matrix().squaredNorm()) * std::sqrt(b.matrix().squaredNorm());
        c.y[r] = a.matrix().dot(b.matrix()) / (w > c.eps ? w : c.eps);
    }
}

// y = d / w with d = <a,b>, w = max(|a||b|, eps): dy/da = b / w - y a / |a|^2, or b / eps when clipped.
template <class T>
void cosine_bwd(const CosineBwdArgs<T>& c) {
    const std::int64_t D = c.D;
#pragma omp parallel for schedule(static) if (c.N * D > kOmpMinWork)
    for (std::int64_t r = 0; r < c.N; ++r) {
        const auto a = array_map(c.a + r * D, D), b = array_map(c.b + r * D, D);
        const T d = a.matrix().dot(b.matrix()), aa = a.matrix().squaredNorm(), bb = b.matrix().squaredNorm();
        const T w = std::sqrt(aa) * std::sqrt(bb);
        const bool clipped = !(w > c.eps);
        const T inv_w = T(1) / (clipped ? c.eps : w);
        const T y = d * inv_w;
        const T ka = clipped ? T(0) : y / aa, kb = clipped ? T(0) : y / bb;
        const T g = c.dy[r];
        array_map(c.da + r * D, D) = g * (b * inv_w - ka * a);
        array_map(c.db + r * D, D) = g * (a * inv_w - kb * b);
    }
}

#define IMRAM_INST(T)                                    \
    template void softmax_fwd(const SoftmaxArgs<T>&);    \
    template void softmax_bwd(const SoftmaxBwdArgs<T>&); \
    template void l2norm_fwd(const L2NormArgs<T>&);      \
    template void l2norm_bwd(const L2NormBwdArgs<T>&);   \
    template void cosine_fwd(const CosineArgs<T>&);      \
    template void cosine_bwd(const CosineBwdArgs<T>&);
IMRAM_INST(float)
IMRAM_INST(double)
#undef IMRAM_INST

}  // namespace imram::cpu
