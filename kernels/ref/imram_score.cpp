// SPDX-License-Identifier: MIT
// Reference IMRAM / SCAN score matrix: every (image, caption) pair on its own, straight from
// docs/IMRAM_SPEC.md 1.3-1.5 with no shortcut. The attended vectors are formed in D, the cosine is
// taken against the original fragments, and the memory unit multiplies [q; c] by its whole weight.
// The oracle of the cpu and CUDA kernels, which take the exact shortcuts of spec 1.4.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/kernels.h"

namespace imram::ref {
namespace {

constexpr double kEps = 1e-8;

template <class T>
T dot(const T* a, const T* b, std::int64_t n) {
    T s = 0;
    for (std::int64_t k = 0; k < n; ++k) s += a[k] * b[k];
    return s;
}

/// Spec 1.3: c_q = sum_s alpha[q, s] C_s with alpha[q, :] = softmax_s(lambda * A'[s, q]), where
/// A' = LeakyReLU_0.1(<C_s, Q_q>) l2-normalised over the query axis q (eps added to the norm).
template <class T>
std::vector<T> attend(const std::vector<T>& Q, std::int64_t nq, const T* C, std::int64_t ns, std::int64_t D,
                      T lambda) {
    std::vector<T> A(ns * nq);
    for (std::int64_t s = 0; s < ns; ++s)
        for (std::int64_t q = 0; q < nq; ++q) {
            const T v = dot(C + s * D, Q.data() + q * D, D);
            A[s * nq + q] = v > 0 ? v : T(0.1) * v;
        }
    for (std::int64_t s = 0; s < ns; ++s) {
        T ss = 0;
        for (std::int64_t q = 0; q < nq; ++q) ss += A[s * nq + q] * A[s * nq + q];
        const T n = std::sqrt(ss) + T(kEps);
        for (std::int64_t q = 0; q < nq; ++q) A[s * nq + q] /= n;
    }
    std::vector<T> out(nq * D, T(0)), w(ns);
    for (std::int64_t q = 0; q < nq; ++q) {
        T m = A[q];
        for (std::int64_t s = 1; s < ns; ++s) m = std::max(m, A[s * nq + q]);
        T z = 0;
        for (std::int64_t s = 0; s < ns; ++s) z += w[s] = std::exp(lambda * (A[s * nq + q] - m));
        for (std::int64_t s = 0; s < ns; ++s)
            for (std::int64_t k = 0; k < D; ++k) out[q * D + k] += w[s] / z * C[s * D + k];
    }
    return out;
}

/// Spec 1.4: o = tanh(W_o [q; c] + b_o), g = sigmoid(W_g [q; c] + b_g), q' = g q + (1 - g) o, then
/// q' / (|q'| + eps) unless no_norm; row by row, in place.
template <class T>
void memory_update(std::vector<T>& Q, const std::vector<T>& C, std::int64_t n, std::int64_t D, const T* lw,
                   const T* lb, const T* gw, const T* gb, bool no_norm) {
    std::vector<T> x(2 * D), u(D);
    for (std::int64_t r = 0; r < n; ++r) {
        std::copy(Q.begin() + r * D, Q.begin() + (r + 1) * D, x.begin());
        std::copy(C.begin() + r * D, C.begin() + (r + 1) * D, x.begin() + D);
        for (std::int64_t k = 0; k < D; ++k) {
            const T o = std::tanh(dot(lw + k * 2 * D, x.data(), 2 * D) + lb[k]);
            const T g = T(1) / (T(1) + std::exp(-(dot(gw + k * 2 * D, x.data(), 2 * D) + gb[k])));
            u[k] = g * x[k] + (T(1) - g) * o;
        }
        const T norm = no_norm ? T(1) : std::sqrt(dot(u.data(), u.data(), D)) + T(kEps);
        for (std::int64_t k = 0; k < D; ++k) Q[r * D + k] = u[k] / norm;
    }
}

template <class T>
T pool(const std::vector<T>& r, int how, double lambda_lse) {
    T acc = how == 2 ? r[0] : T(0);
    for (const T v : r) {
        if (how == 1) acc += std::exp(T(lambda_lse) * v);
        else if (how == 2) acc = std::max(acc, v);
        else acc += v;
    }
    if (how == 0) return acc / static_cast<T>(r.size());
    if (how == 1) return std::log(acc) / T(lambda_lse);
    return acc;
}

/// Spec 1.5, one direction of one pair: queries X (nq, D) attend to the context C (ns, D) for K steps;
/// the sum over steps of the pooled cos(x_q, c_q).
template <class T>
T direction(const ImramScoreArgs<T>& a, const T* X, std::int64_t nq, const T* C, std::int64_t ns, const T* lw,
            const T* lb, const T* gw, const T* gb) {
    const std::int64_t D = a.D;
    std::vector<T> Q(X, X + nq * D), r(nq);
    T total = 0;
    for (std::int64_t k = 0; k < a.K; ++k) {
        const std::vector<T> c = attend(Q, nq, C, ns, D, static_cast<T>(a.lambda));
        for (std::int64_t q = 0; q < nq; ++q) {
            const T* x = X + q * D;
            const T* cq = c.data() + q * D;
            r[q] = dot(x, cq, D) / std::max(std::sqrt(dot(x, x, D)) * std::sqrt(dot(cq, cq, D)), T(kEps));
        }
        total += pool(r, a.pool, a.lambda_lse);
        if (a.memory && k + 1 < a.K) memory_update(Q, c, nq, D, lw, lb, gw, gb, a.no_norm);
    }
    return total;
}

}  // namespace

template <class T>
void imram_score_all(const ImramScoreArgs<T>& a) {
    for (std::int64_t i = 0; i < a.Ni; ++i) {
        const T* V = a.images + i * a.R * a.D;
        for (std::int64_t j = 0; j < a.Nc; ++j) {
            const T* X = a.captions + j * a.L * a.D;
            const std::int64_t n = a.lengths[j];
            T s = 0;
            if (a.t2i) s += direction(a, X, n, V, a.R, a.lin_t2i_w, a.lin_t2i_b, a.gate_t2i_w, a.gate_t2i_b);
            if (a.i2t) s += direction(a, V, a.R, X, n, a.lin_i2t_w, a.lin_i2t_b, a.gate_i2t_w, a.gate_i2t_b);
            a.scores[i * a.Nc + j] = s;
        }
    }
}

template void imram_score_all(const ImramScoreArgs<float>&);
template void imram_score_all(const ImramScoreArgs<double>&);

}  // namespace imram::ref
