// SPDX-License-Identifier: MIT
// Reference PCME log match probability (docs/ops.md#match_log_prob): plain loops over every pair of items
// and every pair of their samples, with the differences za_nk - zb_mj formed directly (the fast kernels
// use the Gram form instead).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernels.h"

namespace imram::ref {
namespace {

constexpr double kDistEps = 1e-6;  // inside the root: d >= 1e-3, so 1 / d stays bounded

/// log(sigmoid(x)) without overflow or log(0).
template <class T>
T log_sigmoid(T x) {
    return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
}

/// d = sqrt(max(|za_nk - zb_mj|^2, 0) + 1e-6).
template <class Args, class T>
T distance(const Args& a, const T* za, const T* zb) {
    T r = 0;
    for (std::int64_t c = 0; c < a.D; ++c) r += (za[c] - zb[c]) * (za[c] - zb[c]);
    return std::sqrt(std::max(r, T(0)) + T(kDistEps));
}

/// For pair (n, m): d and s = -a d + b of every sample pair (k, j) into d and s (K J each), the log-sigmoids
/// of 2 sigma s into v; returns sigma and, in lse, logsumexp_{k,j} v.
template <class Args, class T>
T pair_terms(const Args& a, std::int64_t n, std::int64_t m, std::vector<T>& d, std::vector<T>& s, std::vector<T>& v,
             T& lse) {
    const T sigma = (a.positive == nullptr || a.positive[n * a.M + m] != T(0)) ? T(1) : T(-1);
    T mx = -INFINITY;
    for (std::int64_t k = 0; k < a.K; ++k)
        for (std::int64_t j = 0; j < a.J; ++j) {
            const std::int64_t i = k * a.J + j;
            d[i] = distance(a, a.za + (n * a.K + k) * a.D, a.zb + (m * a.J + j) * a.D);
            s[i] = -a.a[0] * d[i] + a.b[0];
            v[i] = log_sigmoid(T(2) * sigma * s[i]);
            mx = std::max(mx, v[i]);
        }
    T sum = 0;
    for (std::size_t i = 0; i < v.size(); ++i) sum += std::exp(v[i] - mx);
    lse = mx + std::log(sum);
    return sigma;
}

}  // namespace

template <class T>
void match_log_prob_fwd(const MatchLogProbArgs<T>& a) {
    std::vector<T> d(static_cast<std::size_t>(a.K * a.J)), s(d.size()), v(d.size());
    const T log_kj = std::log(static_cast<T>(a.K * a.J));
    for (std::int64_t n = 0; n < a.N; ++n)
        for (std::int64_t m = 0; m < a.M; ++m) {
            T lse;
            pair_terms(a, n, m, d, s, v, lse);
            a.out[n * a.M + m] = lse - log_kj;
        }
}

// With w = softmax_{k,j}(v) and g = dout 2 sigma w sigmoid(-2 sigma s) (the derivative wrt s):
// db = sum g, da = -sum g d, and with c = -a g / d, dza_nk += c (za_nk - zb_mj), dzb_mj -= c (za_nk - zb_mj).
template <class T>
void match_log_prob_bwd(const MatchLogProbBwdArgs<T>& a) {
    std::fill(a.dza, a.dza + a.N * a.K * a.D, T(0));
    std::fill(a.dzb, a.dzb + a.M * a.J * a.D, T(0));
    std::vector<T> d(static_cast<std::size_t>(a.K * a.J)), s(d.size()), v(d.size());
    T ga = 0, gb = 0;
    for (std::int64_t n = 0; n < a.N; ++n)
        for (std::int64_t m = 0; m < a.M; ++m) {
            T lse;
            const T sigma = pair_terms(a, n, m, d, s, v, lse);
            const T g0 = a.dout[n * a.M + m];
            for (std::int64_t k = 0; k < a.K; ++k)
                for (std::int64_t j = 0; j < a.J; ++j) {
                    const std::size_t i = static_cast<std::size_t>(k * a.J + j);
                    const T g = g0 * T(2) * sigma * std::exp(v[i] - lse) * std::exp(log_sigmoid(-T(2) * sigma * s[i]));
                    gb += g;
                    ga -= g * d[i];
                    const T c = -a.a[0] * g / d[i];
                    const T* x = a.za + (n * a.K + k) * a.D;
                    const T* y = a.zb + (m * a.J + j) * a.D;
                    T* dx = a.dza + (n * a.K + k) * a.D;
                    T* dy = a.dzb + (m * a.J + j) * a.D;
                    for (std::int64_t col = 0; col < a.D; ++col) {
                        dx[col] += c * (x[col] - y[col]);
                        dy[col] -= c * (x[col] - y[col]);
                    }
                }
        }
    a.da[0] = ga;
    a.db[0] = gb;
}

template void match_log_prob_fwd(const MatchLogProbArgs<float>&);
template void match_log_prob_fwd(const MatchLogProbArgs<double>&);
template void match_log_prob_bwd(const MatchLogProbBwdArgs<float>&);
template void match_log_prob_bwd(const MatchLogProbBwdArgs<double>&);

}  // namespace imram::ref
