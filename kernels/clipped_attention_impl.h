// SPDX-License-Identifier: MIT
// The per-pair body of clipped_attention, shared by the host backends: the reference runs it pair after
// pair in T; the cpu backend runs pairs in parallel. (One definition of the maths, as unary_math.h.)
//
// Forward, per pair:  B = leaky(A) with query pads 0;  n_s = ||B[s, :]||;  Cn = B / (n_s + eps);
//                     alpha[q, :] = masked softmax over s of lambda Cn[:, q].
// Backward:           dZ[q, s] = alpha (dalpha - <alpha[q, :], dalpha[q, :]>);  dCn[s, q] = lambda dZ[q, s];
//                     dB[s, q] = dCn / (n_s + eps) - Cn[s, q] <dCn[s, :], Cn[s, :]> / n_s  (0 when n_s = 0);
//                     dA = dB * (A > 0 ? 1 : 0.1), and 0 at query pads.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/args.h"

namespace imram {

template <class T>
inline T leaky01(T a) {
    return a > T(0) ? a : T(0.1) * a;
}

template <class T>
void clipped_attention_fwd_pair(const ClippedAttentionArgs<T>& a, std::int64_t p, std::vector<T>& cn) {
    const std::int64_t Ls = a.Ls, Lq = a.Lq;
    const T* A = a.A + p * Ls * Lq;
    const std::uint8_t* qv = a.q_valid ? a.q_valid + p * Lq : nullptr;
    const std::uint8_t* cv = a.c_valid ? a.c_valid + p * Ls : nullptr;
    T* alpha = a.alpha + p * Lq * Ls;
    T* norm = a.norm + p * Ls;
    cn.assign(static_cast<std::size_t>(Ls * Lq), T(0));
    for (std::int64_t s = 0; s < Ls; ++s) {
        T ss = 0;
        for (std::int64_t q = 0; q < Lq; ++q) {
            const T b = (qv && !qv[q]) ? T(0) : leaky01(A[s * Lq + q]);
            cn[s * Lq + q] = b;
            ss += b * b;
        }
        norm[s] = std::sqrt(ss);
        const T inv = T(1) / (norm[s] + a.eps);
        for (std::int64_t q = 0; q < Lq; ++q) cn[s * Lq + q] *= inv;
    }
    for (std::int64_t q = 0; q < Lq; ++q) {
        T m = -std::numeric_limits<T>::infinity();
        for (std::int64_t s = 0; s < Ls; ++s)
            if (!cv || cv[s]) m = std::max(m, a.lambda * cn[s * Lq + q]);
        T sum = 0;
        for (std::int64_t s = 0; s < Ls; ++s) {
            const T e = (!cv || cv[s]) ? std::exp(a.lambda * cn[s * Lq + q] - m) : T(0);
            alpha[q * Ls + s] = e;
            sum += e;
        }
        for (std::int64_t s = 0; s < Ls; ++s) alpha[q * Ls + s] = sum > T(0) ? alpha[q * Ls + s] / sum : T(0);
    }
}

template <class T>
void clipped_attention_bwd_pair(const ClippedAttentionBwdArgs<T>& a, std::int64_t p, std::vector<T>& dcn) {
    const std::int64_t Ls = a.Ls, Lq = a.Lq;
    const T* A = a.A + p * Ls * Lq;
    const std::uint8_t* qv = a.q_valid ? a.q_valid + p * Lq : nullptr;
    const T* alpha = a.alpha + p * Lq * Ls;
    const T* dalpha = a.dalpha + p * Lq * Ls;
    const T* norm = a.norm + p * Ls;
    T* dA = a.dA + p * Ls * Lq;
    dcn.assign(static_cast<std::size_t>(Ls * Lq), T(0));
    for (std::int64_t q = 0; q < Lq; ++q) {  // softmax backward (alpha is 0 at excluded s)
        T dot = 0;
        for (std::int64_t s = 0; s < Ls; ++s) dot += alpha[q * Ls + s] * dalpha[q * Ls + s];
        for (std::int64_t s = 0; s < Ls; ++s)
            dcn[s * Lq + q] = a.lambda * alpha[q * Ls + s] * (dalpha[q * Ls + s] - dot);
    }
    for (std::int64_t s = 0; s < Ls; ++s) {  // l2norm backward over q, then leaky and the pad mask
        const T n = norm[s], inv = T(1) / (n + a.eps);
        T dot = 0;
        for (std::int64_t q = 0; q < Lq; ++q) {
            const T b = (qv && !qv[q]) ? T(0) : leaky01(A[s * Lq + q]);
            dot += dcn[s * Lq + q] * b * inv;
        }
        for (std::int64_t q = 0; q < Lq; ++q) {
            if (qv && !qv[q]) {
                dA[s * Lq + q] = 0;
                continue;
            }
            const T b = leaky01(A[s * Lq + q]);
            const T db = dcn[s * Lq + q] * inv - (n > T(0) ? b * inv * dot / n : T(0));
            dA[s * Lq + q] = db * (A[s * Lq + q] > T(0) ? T(1) : T(0.1));
        }
    }
}

}  // namespace imram
