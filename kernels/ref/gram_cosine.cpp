// SPDX-License-Identifier: MIT
// Reference Gram-form cosine of query fragments against their attended vectors (docs/ops.md#gram_cosine):
// the pairs one after another, plain loops accumulating in T.
#include <cmath>

#include "kernels/kernels.h"

namespace imram::ref {
namespace {

template <class T>
struct Row {
    T num, cc, w;
};

/// num, alpha^T G alpha and the unclipped denominator of pair p, query q.
template <class T, class Args>
Row<T> row_terms(const Args& a, std::int64_t p, std::int64_t q) {
    const T* al = a.alpha + (p * a.Lq + q) * a.Ls;
    const T* A = a.A + p * a.Ls * a.Lq;
    const T* G = a.G + p * a.Ls * a.Ls;
    Row<T> r{0, 0, 0};
    for (std::int64_t s = 0; s < a.Ls; ++s) {
        r.num += al[s] * A[s * a.Lq + q];
        T gs = 0;
        for (std::int64_t t = 0; t < a.Ls; ++t) gs += G[s * a.Ls + t] * al[t];
        r.cc += al[s] * gs;
    }
    r.w = a.xnorm[p * a.Lq + q] * std::sqrt(r.cc > T(0) ? r.cc : T(0));
    return r;
}

}  // namespace

template <class T>
void gram_cosine_fwd(const GramCosineArgs<T>& a) {
    for (std::int64_t p = 0; p < a.P; ++p)
        for (std::int64_t q = 0; q < a.Lq; ++q) {
            const Row<T> r = row_terms<T>(a, p, q);
            a.r[p * a.Lq + q] = r.num / (r.w > a.eps ? r.w : a.eps);
        }
}

// r = num / w with w = xnorm sqrt(cc). Unclipped (w > eps): dr/dnum = 1 / w, dr/dcc = -r / (2 cc),
// dr/dxnorm = -r / xnorm. Clipped: w is the constant eps and only num carries gradient.
// dnum/dalpha[s] = A[s, q], dnum/dA[s, q] = alpha[s]; dcc/dalpha = (G + G^T) alpha, dcc/dG[s, t] = alpha[s] alpha[t].
template <class T>
void gram_cosine_bwd(const GramCosineBwdArgs<T>& a) {
    const std::int64_t Lq = a.Lq, Ls = a.Ls;
    for (std::int64_t i = 0; i < a.P * Ls * Lq; ++i) a.dA[i] = T(0);
    for (std::int64_t i = 0; i < a.P * Ls * Ls; ++i) a.dG[i] = T(0);
    for (std::int64_t p = 0; p < a.P; ++p)
        for (std::int64_t q = 0; q < Lq; ++q) {
            const Row<T> rt = row_terms<T>(a, p, q);
            const bool clipped = !(rt.w > a.eps);
            const T inv_w = T(1) / (clipped ? a.eps : rt.w);
            const T r = rt.num * inv_w, dr = a.dr[p * Lq + q];
            const T g_num = dr * inv_w;
            const T g_cc = clipped ? T(0) : -dr * r / (T(2) * rt.cc);
            a.dxnorm[p * Lq + q] = clipped ? T(0) : -dr * r / a.xnorm[p * Lq + q];
            const T* al = a.alpha + (p * Lq + q) * Ls;
            const T* A = a.A + p * Ls * Lq;
            const T* G = a.G + p * Ls * Ls;
            T* dal = a.dalpha + (p * Lq + q) * Ls;
            T* dA = a.dA + p * Ls * Lq;
            T* dG = a.dG + p * Ls * Ls;
            for (std::int64_t s = 0; s < Ls; ++s) {
                T sym = 0;
                for (std::int64_t t = 0; t < Ls; ++t) sym += (G[s * Ls + t] + G[t * Ls + s]) * al[t];
                dal[s] = g_num * A[s * Lq + q] + g_cc * sym;
                dA[s * Lq + q] = g_num * al[s];
                for (std::int64_t t = 0; t < Ls; ++t) dG[s * Ls + t] += g_cc * al[s] * al[t];
            }
        }
}

template void gram_cosine_fwd(const GramCosineArgs<float>&);
template void gram_cosine_fwd(const GramCosineArgs<double>&);
template void gram_cosine_bwd(const GramCosineBwdArgs<float>&);
template void gram_cosine_bwd(const GramCosineBwdArgs<double>&);

}  // namespace imram::ref
