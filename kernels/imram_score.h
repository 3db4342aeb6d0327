// SPDX-License-Identifier: MIT
// Pairwise IMRAM / SCAN scoring without autograd: the (images x captions) score matrix, computed with
// the exact shortcuts of docs/IMRAM_SPEC.md 1.4 (context projections hoisted per item, the first
// query projection hoisted, the dead last update dropped, Gram-matrix cosine). No per-pair 1024-d
// vector is formed except the pair-specific queries the recurrence needs.
#pragma once

#include <cstdint>

namespace imram {

template <class T>
struct ImramScoreArgs {
    const T* images;  // (Ni, R, D) l2-normalised regions
    std::int64_t Ni, R, D;
    const T* captions;             // (Nc, L, D) l2-normalised words, padded
    const std::int64_t* lengths;   // (Nc), 1 <= lengths[j] <= L
    std::int64_t Nc, L;
    // Memory units (null when unused): weight (D, 2D) applied to [q; c], bias (D).
    const T *lin_t2i_w, *lin_t2i_b, *gate_t2i_w, *gate_t2i_b;
    const T *lin_i2t_w, *lin_i2t_b, *gate_i2t_w, *gate_i2t_b;
    bool t2i, i2t;       // directions to sum
    bool memory;         // IMRAM (gated memory between steps) or SCAN (one step)
    bool no_norm;        // --no_IMRAM_norm
    int pool;            // SCAN agg_func over fragments: 0 mean, 1 LogSumExp, 2 max, 3 sum
    std::int64_t K;      // steps per direction
    double lambda, lambda_lse;
    T* scores;           // (Ni, Nc) output
};

namespace cpu {
/// Eigen + OpenMP implementation (parallel over images; stacked GEMMs per caption chunk).
template <class T>
void imram_score(const ImramScoreArgs<T>& a);
}  // namespace cpu

}  // namespace imram
