// SPDX-License-Identifier: MIT
// CPU Gram-form cosine (docs/ops.md#gram_cosine; formulas as kernels/ref/gram_cosine.cpp): pairs are
// independent and small (Lq, Ls <= a few dozen), so each is a handful of Eigen products on one thread,
// pairs in parallel.
#include <cmath>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// num and alpha^T G alpha of every query of one pair; aG receives alpha G (Lq, Ls).
template <class T, class Args>
void pair_terms(const Args& a, std::int64_t p, RowMajorMatrix<T>& aG, Vec<T>& num, Vec<T>& cc) {
    const auto al = matrix_map(a.alpha + p * a.Lq * a.Ls, a.Lq, a.Ls, a.Ls);
    const auto At = matrix_map(a.A + p * a.Ls * a.Lq, a.Ls, a.Lq, a.Lq);
    const auto G = matrix_map(a.G + p * a.Ls * a.Ls, a.Ls, a.Ls, a.Ls);
    num = (al.array() * At.transpose().array()).rowwise().sum().matrix();
    aG.noalias() = al * G;
    cc = (aG.array() * al.array()).rowwise().sum().matrix();
}

template <class T>
T denominator(T xnorm, T cc) {
    return xnorm * std::sqrt(cc > T(0) ? cc : T(0));
}

}  // namespace

template <class T>
void gram_cosine_fwd(const GramCosineArgs<T>& a) {
#pragma omp parallel if (a.P * a.Lq * a.Ls * a.Ls > kOmpMinWork)
    {
        RowMajorMatrix<T> aG;
        Vec<T> num, cc;
#pragma omp for schedule(static)
        for (std::int64_t p = 0; p < a.P; ++p) {
            pair_terms<T>(a, p, aG, num, cc);
            for (std::int64_t q = 0; q < a.Lq; ++q) {
                const T w = denominator(a.xnorm[p * a.Lq + q], cc[q]);
                a.r[p * a.Lq + q] = num[q] / (w > a.eps ? w : a.eps);
            }
        }
    }
}

template <class T>
void gram_cosine_bwd(const GramCosineBwdArgs<T>& a) {
    const std::int64_t Lq = a.Lq, Ls = a.Ls;
#pragma omp parallel if (a.P * Lq * Ls * Ls > kOmpMinWork)
    {
        RowMajorMatrix<T> aG;
        Vec<T> num, cc, g_num(Lq), g_cc(Lq);
#pragma omp for schedule(static)
        for (std::int64_t p = 0; p < a.P; ++p) {
            pair_terms<T>(a, p, aG, num, cc);
            for (std::int64_t q = 0; q < Lq; ++q) {
                const T xn = a.xnorm[p * Lq + q], w = denominator(xn, cc[q]);
                const bool clipped = !(w > a.eps);
                const T inv_w = T(1) / (clipped ? a.eps : w);
                const T r = num[q] * inv_w, dr = a.dr[p * Lq + q];
                g_num[q] = dr * inv_w;
                g_cc[q] = clipped ? T(0) : -dr * r / (T(2) * cc[q]);
                a.dxnorm[p * Lq + q] = clipped ? T(0) : -dr * r / xn;
            }
            const auto al = matrix_map(a.alpha + p * Lq * Ls, Lq, Ls, Ls);
            const auto At = matrix_map(a.A + p * Ls * Lq, Ls, Lq, Lq);
            const auto G = matrix_map(a.G + p * Ls * Ls, Ls, Ls, Ls);
            auto dal = matrix_map(a.dalpha + p * Lq * Ls, Lq, Ls, Ls);
            auto dA = matrix_map(a.dA + p * Ls * Lq, Ls, Lq, Lq);
            auto dG = matrix_map(a.dG + p * Ls * Ls, Ls, Ls, Ls);
            aG.noalias() += al * G.transpose();  // alpha (G + G^T)
            dal = g_num.asDiagonal() * At.transpose();
            dal.noalias() += g_cc.asDiagonal() * aG;
            dA = (g_num.asDiagonal() * al).transpose();
            dG.noalias() = al.transpose() * (g_cc.asDiagonal() * al);
        }
    }
}

template void gram_cosine_fwd(const GramCosineArgs<float>&);
template void gram_cosine_fwd(const GramCosineArgs<double>&);
template void gram_cosine_bwd(const GramCosineBwdArgs<float>&);
template void gram_cosine_bwd(const GramCosineBwdArgs<double>&);

}  // namespace imram::cpu
