// SPDX-License-Identifier: MIT
// Reference (log_)softmax with validity mask, l2norm and cosine similarity, forward and backward.
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/kernels.h"

namespace imram::ref {

// softmax:      y_r = exp(x_r - m) / s over valid r;        dx_r = y_r (dy_r - sum_v dy_v y_v)
// log_softmax:  y_r = x_r - m - log s;                        dx_r = dy_r - exp(y_r) sum_v dy_v
template <class T>
void softmax_fwd(const SoftmaxArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t i = 0; i < a.I; ++i) {
            auto at = [&](std::int64_t r) { return (o * a.R + r) * a.I + i; };
            auto ok = [&](std::int64_t r) { return a.valid == nullptr || a.valid[at(r)] != 0; };
            T m = -std::numeric_limits<T>::infinity();
            for (std::int64_t r = 0; r < a.R; ++r)
                if (ok(r) && a.x[at(r)] > m) m = a.x[at(r)];
            T s = 0;
            for (std::int64_t r = 0; r < a.R; ++r)
                if (ok(r)) s += std::exp(a.x[at(r)] - m);
            for (std::int64_t r = 0; r < a.R; ++r) {
                if (!ok(r))
                    a.y[at(r)] = 0;
                else
                    a.y[at(r)] = a.log ? a.x[at(r)] - m - std::log(s) : std::exp(a.x[at(r)] - m) / s;
            }
        }
}

template <class T>
void softmax_bwd(const SoftmaxBwdArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t i = 0; i < a.I; ++i) {
            auto at = [&](std::int64_t r) { return (o * a.R + r) * a.I + i; };
            auto ok = [&](std::int64_t r) { return a.valid == nullptr || a.valid[at(r)] != 0; };
            T s = 0;
            for (std::int64_t r = 0; r < a.R; ++r)
                if (ok(r)) s += a.log ? a.dy[at(r)] : a.dy[at(r)] * a.y[at(r)];
            for (std::int64_t r = 0; r < a.R; ++r) {
                if (!ok(r))
                    a.dx[at(r)] = 0;
                else if (a.log)
                    a.dx[at(r)] = a.dy[at(r)] - std::exp(a.y[at(r)]) * s;
                else
                    a.dx[at(r)] = a.y[at(r)] * (a.dy[at(r)] - s);
            }
        }
}

template <class T>
void l2norm_fwd(const L2NormArgs<T>& a) {
    for (std::int64_t r = 0; r < a.N; ++r) {
        T ss = 0;
        for (std::int64_t i = 0; i < a.D; ++i) ss += a.x[r * a.D + i] * a.x[r * a.D + i];
        const T n = std::sqrt(ss);
        a.norm[r] = n;
        for (std::int64_t i = 0; i < a.D; ++i) a.y[r * a.D + i] = a.x[r * a.D + i] / (n + a.eps);
    }
}

// dx = dy / (n + eps) - y <dy, y> / n   (second term 0 when n == 0)
template <class T>
void l2norm_bwd(const L2NormBwdArgs<T>& a) {
    for (std::int64_t r = 0; r < a.N; ++r) {
        T s = 0;
        for (std::int64_t i = 0; i < a.D; ++i) s += a.dy[r * a.D + i] * a.y[r * a.D + i];
        const T n = a.norm[r];
        for (std::int64_t i = 0; i < a.D; ++i)
            a.dx[r * a.D + i] = a.dy[r * a.D + i] / (n + a.eps) - (n > T(0) ? a.y[r * a.D + i] * s / n : T(0));
    }
}

// y = d / w with d = <a,b>, w = max(|a||b|, eps). When |a||b| > eps:
//   dy/da = b / w - y a / |a|^2 ;  otherwise w is the constant eps and dy/da = b / eps.
template <class T>
void cosine_fwd(const CosineArgs<T>& c) {
    for (std::int64_t r = 0; r < c.N; ++r) {
        T d = 0, aa = 0, bb = 0;
        for (std::int64_t i = 0; i < c.D; ++i) {
            d += c.a[r * c.D + i] * c.b[r * c.D + i];
            aa += c.a[r * c.D + i] * c.a[r * c.D + i];
            bb += c.b[r * c.D + i] * c.b[r * c.D + i];
        }
        const T w = std::sqrt(aa) * std::sqrt(bb);
        c.y[r] = d / (w > c.eps ? w : c.eps);
    }
}

template <class T>
void cosine_bwd(const CosineBwdArgs<T>& c) {
    for (std::int64_t r = 0; r < c.N; ++r) {
        T d = 0, aa = 0, bb = 0;
        for (std::int64_t i = 0; i < c.D; ++i) {
            d += c.a[r * c.D + i] * c.b[r * c.D + i];
            aa += c.a[r * c.D + i] * c.a[r * c.D + i];
            bb += c.b[r * c.D + i] * c.b[r * c.D + i];
        }
        const T w = std::sqrt(aa) * std::sqrt(bb);
        const bool clipped = !(w > c.eps);
        const T inv_w = T(1) / (clipped ? c.eps : w);
        const T y = d * inv_w;
        const T ka = clipped ? T(0) : y / aa, kb = clipped ? T(0) : y / bb;
        for (std::int64_t i = 0; i < c.D; ++i) {
            const T av = c.a[r * c.D + i], bv = c.b[r * c.D + i];
            c.da[r * c.D + i] = c.dy[r] * (bv * inv_w - ka * av);
            c.db[r * c.D + i] = c.dy[r] * (av * inv_w - kb * bv);
        }
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

}  // namespace imram::ref
