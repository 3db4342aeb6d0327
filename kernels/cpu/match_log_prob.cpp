// SPDX-License-Identifier: MIT
// CPU PCME log match probability (docs/ops.md#match_log_prob; formulas as kernels/ref/match_log_prob.cpp)
// in the Gram form: for a tile of whole items, rows of za (N K) x columns of zb (M J), the distances come
// from one GEMM, d^2 = |za|^2 + |zb|^2 - 2 za zb^T (clamped at 0), and the per-pair log-sum-exp runs on
// the tile's K x J blocks. Tiles are ~64 x ~512 (a few hundred KB per thread, whatever N and M are), so
// a 7000 x 35000 evaluation gallery needs no (N K) x (M J) matrix. Tiles in parallel (OpenMP), each GEMM
// single-threaded BLAS on its thread.
//
// Backward: the tile of distances becomes c = -a g / d (g the derivative wrt s), and then
//   dza = rowsum(c) za - C zb,   dzb = colsum(c) zb - C^T za
// are GEMMs. dza is accumulated over the column tiles of a row block, dzb over the row tiles of a column
// block: two passes that each recompute the tile, so every output row has one owner (no atomics, a
// fixed summation order) and no per-thread copies of dzb are needed.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/blas.h"
#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

constexpr double kDistEps = 1e-6;
constexpr std::int64_t kTileRows = 64;   // target rows of za per tile (whole items)
constexpr std::int64_t kTileCols = 512;  // target columns of zb per tile (whole items)

template <class T>
T log_sigmoid(T x) {
    return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
}

/// The shared geometry of both passes: item blocks and the squared norms of every sample.
template <class T>
struct Plan {
    const T *za, *zb, *positive;
    T a, b;
    std::int64_t N, M, K, J, D;
    std::int64_t items_a, items_b;  // items per row / column tile
    std::int64_t row_tiles, col_tiles;
    std::vector<T> na, nb;  // |za_nk|^2 (N K), |zb_mj|^2 (M J)

    Plan(const T* za_, const T* zb_, const T* pos, const T* a_, const T* b_, std::int64_t N_, std::int64_t M_,
         std::int64_t K_, std::int64_t J_, std::int64_t D_)
        : za(za_),
          zb(zb_),
          positive(pos),
          a(a_[0]),
          b(b_[0]),
          N(N_),
          M(M_),
          K(K_),
          J(J_),
          D(D_),
          items_a(std::max<std::int64_t>(1, kTileRows / K_)),
          items_b(std::max<std::int64_t>(1, kTileCols / J_)),
          row_tiles((N_ + items_a - 1) / items_a),
          col_tiles((M_ + items_b - 1) / items_b),
          na(static_cast<std::size_t>(N_ * K_)),
          nb(static_cast<std::size_t>(M_ * J_)) {
        sq_norms(za, N * K, na.data());
        sq_norms(zb, M * J, nb.data());
    }

    void sq_norms(const T* x, std::int64_t rows, T* out) const {
#pragma omp parallel for schedule(static) if (rows * D > kOmpMinWork)
        for (std::int64_t r = 0; r < rows; ++r) out[r] = array_map(x + r * D, D).square().sum();
    }

    std::int64_t max_tile() const {
        return std::min(N, items_a) * K * std::min(M, items_b) * J;
    }
    T sigma(std::int64_t n, std::int64_t m) const {
        return (positive == nullptr || positive[n * M + m] != T(0)) ? T(1) : T(-1);
    }

    /// Item ranges [n0, n1) x [m0, m1) of tile (rt, ct).
    void bounds(std::int64_t rt, std::int64_t ct, std::int64_t& n0, std::int64_t& n1, std::int64_t& m0,
                std::int64_t& m1) const {
        n0 = rt * items_a, n1 = std::min(N, n0 + items_a);
        m0 = ct * items_b, m1 = std::min(M, m0 + items_b);
    }

    /// The tile's distances d, (n1 - n0) K x (m1 - m0) J, into S (leading dimension the tile's width).
    void distances(std::int64_t n0, std::int64_t n1, std::int64_t m0, std::int64_t m1, T* S) const {
        const std::int64_t rows = (n1 - n0) * K, cols = (m1 - m0) * J;
        blas_gemm<T>(false, true, rows, cols, D, T(-2), za + n0 * K * D, D, zb + m0 * J * D, D, T(0), S, cols);
        const T* ra = na.data() + n0 * K;
        const T* cb = nb.data() + m0 * J;
        for (std::int64_t r = 0; r < rows; ++r) {
            T* row = S + r * cols;
            for (std::int64_t c = 0; c < cols; ++c)
                row[c] = std::sqrt(std::max(row[c] + ra[r] + cb[c], T(0)) + T(kDistEps));
        }
    }

    /// Pair (n, m) of the tile: the log-sigmoids of its K x J samples into v, returns their logsumexp.
    T pair_lse(const T* S, std::int64_t cols, std::int64_t nl, std::int64_t ml, T sig, T* v) const {
        T mx = -INFINITY;
        for (std::int64_t k = 0; k < K; ++k)
            for (std::int64_t j = 0; j < J; ++j) {
                const T s = -a * S[(nl * K + k) * cols + ml * J + j] + b;
                const T x = log_sigmoid(T(2) * sig * s);
                v[k * J + j] = x;
                mx = std::max(mx, x);
            }
        T sum = 0;
        for (std::int64_t i = 0; i < K * J; ++i) sum += std::exp(v[i] - mx);
        return mx + std::log(sum);
    }

    /// Turns the tile's distances into c = -a g / d in place; adds sum g d and sum g to gd and gs.
    void coefficients(const T* dout, std::int64_t n0, std::int64_t n1, std::int64_t m0, std::int64_t m1, T* S, T* v,
                      T& gd, T& gs) const {
        const std::int64_t cols = (m1 - m0) * J;
        for (std::int64_t n = n0; n < n1; ++n)
            for (std::int64_t m = m0; m < m1; ++m) {
                const T sig = sigma(n, m), lse = pair_lse(S, cols, n - n0, m - m0, sig, v), g0 = dout[n * M + m];
                for (std::int64_t k = 0; k < K; ++k)
                    for (std::int64_t j = 0; j < J; ++j) {
                        T& e = S[((n - n0) * K + k) * cols + (m - m0) * J + j];
                        const T d = e, s = -a * d + b;
                        const T g =
                            g0 * T(2) * sig * std::exp(v[k * J + j] - lse) * std::exp(log_sigmoid(-T(2) * sig * s));
                        gd += g * d;
                        gs += g;
                        e = -a * g / d;
                    }
            }
    }
};

}  // namespace

template <class T>
void match_log_prob_fwd(const MatchLogProbArgs<T>& args) {
    if (args.N == 0 || args.M == 0) return;
    const Plan<T> p(args.za, args.zb, args.positive, args.a, args.b, args.N, args.M, args.K, args.J, args.D);
    const T log_kj = std::log(static_cast<T>(p.K * p.J));
    const std::int64_t tiles = p.row_tiles * p.col_tiles;
#pragma omp parallel if (p.N * p.K * p.M * p.J * p.D > kOmpMinWork)
    {
        std::vector<T> S(static_cast<std::size_t>(p.max_tile())), v(static_cast<std::size_t>(p.K * p.J));
#pragma omp for schedule(dynamic)
        for (std::int64_t t = 0; t < tiles; ++t) {
            std::int64_t n0, n1, m0, m1;
            p.bounds(t / p.col_tiles, t % p.col_tiles, n0, n1, m0, m1);
            p.distances(n0, n1, m0, m1, S.data());
            const std::int64_t cols = (m1 - m0) * p.J;
            for (std::int64_t n = n0; n < n1; ++n)
                for (std::int64_t m = m0; m < m1; ++m)
                    args.out[n * p.M + m] =
                        p.pair_lse(S.data(), cols, n - n0, m - m0, p.sigma(n, m), v.data()) - log_kj;
        }
    }
}

template <class T>
void match_log_prob_bwd(const MatchLogProbBwdArgs<T>& args) {
    const Plan<T> p(args.za, args.zb, args.positive, args.a, args.b, args.N, args.M, args.K, args.J, args.D);
    const std::int64_t K = p.K, J = p.J, D = p.D;
    std::fill(args.dza, args.dza + p.N * K * D, T(0));
    std::fill(args.dzb, args.dzb + p.M * J * D, T(0));
    // Per row block: sum g d and sum g, added up in block order afterwards (deterministic).
    std::vector<T> part_gd(static_cast<std::size_t>(p.row_tiles), T(0)), part_gs(part_gd.size(), T(0));
    const bool parallel = p.N * K * p.M * J * D > kOmpMinWork;
    if (p.N > 0 && p.M > 0) {
        // Pass 1, row blocks: dza = rowsum(c) za - C zb over all column tiles.
#pragma omp parallel if (parallel)
        {
            std::vector<T> S(static_cast<std::size_t>(p.max_tile())), v(static_cast<std::size_t>(K * J)),
                rs(static_cast<std::size_t>(std::min(p.N, p.items_a) * K));
#pragma omp for schedule(dynamic)
            for (std::int64_t rt = 0; rt < p.row_tiles; ++rt) {
                std::fill(rs.begin(), rs.end(), T(0));
                T gd = 0, gs = 0;
                std::int64_t n0 = 0, n1 = 0;
                for (std::int64_t ct = 0; ct < p.col_tiles; ++ct) {
                    std::int64_t m0, m1;
                    p.bounds(rt, ct, n0, n1, m0, m1);
                    const std::int64_t rows = (n1 - n0) * K, cols = (m1 - m0) * J;
                    p.distances(n0, n1, m0, m1, S.data());
                    p.coefficients(args.dout, n0, n1, m0, m1, S.data(), v.data(), gd, gs);
                    for (std::int64_t r = 0; r < rows; ++r) rs[r] += array_map(S.data() + r * cols, cols).sum();
                    blas_gemm<T>(false, false, rows, D, cols, T(-1), S.data(), cols, p.zb + m0 * J * D, D, T(1),
                                 args.dza + n0 * K * D, D);
                }
                for (std::int64_t r = 0; r < (n1 - n0) * K; ++r)
                    array_map(args.dza + (n0 * K + r) * D, D) += rs[r] * array_map(p.za + (n0 * K + r) * D, D);
                part_gd[rt] = gd, part_gs[rt] = gs;
            }
        }
        // Pass 2, column blocks: dzb = colsum(c) zb - C^T za over all row tiles.
#pragma omp parallel if (parallel)
        {
            std::vector<T> S(static_cast<std::size_t>(p.max_tile())), v(static_cast<std::size_t>(K * J)),
                cs(static_cast<std::size_t>(std::min(p.M, p.items_b) * J));
#pragma omp for schedule(dynamic)
            for (std::int64_t ct = 0; ct < p.col_tiles; ++ct) {
                std::fill(cs.begin(), cs.end(), T(0));
                T unused_gd = 0, unused_gs = 0;
                std::int64_t m0 = 0, m1 = 0;
                for (std::int64_t rt = 0; rt < p.row_tiles; ++rt) {
                    std::int64_t n0, n1;
                    p.bounds(rt, ct, n0, n1, m0, m1);
                    const std::int64_t rows = (n1 - n0) * K, cols = (m1 - m0) * J;
                    p.distances(n0, n1, m0, m1, S.data());
                    p.coefficients(args.dout, n0, n1, m0, m1, S.data(), v.data(), unused_gd, unused_gs);
                    for (std::int64_t r = 0; r < rows; ++r)
                        array_map(cs.data(), cols) += array_map(S.data() + r * cols, cols);
                    blas_gemm<T>(true, false, cols, D, rows, T(-1), S.data(), cols, p.za + n0 * K * D, D, T(1),
                                 args.dzb + m0 * J * D, D);
                }
                for (std::int64_t c = 0; c < (m1 - m0) * J; ++c)
                    array_map(args.dzb + (m0 * J + c) * D, D) += cs[c] * array_map(p.zb + (m0 * J + c) * D, D);
            }
        }
    }
    T gd = 0, gs = 0;
    for (std::size_t i = 0; i < part_gd.size(); ++i) gd += part_gd[i], gs += part_gs[i];
    args.da[0] = -gd;
    args.db[0] = gs;
}

template void match_log_prob_fwd(const MatchLogProbArgs<float>&);
template void match_log_prob_fwd(const MatchLogProbArgs<double>&);
template void match_log_prob_bwd(const MatchLogProbBwdArgs<float>&);
template void match_log_prob_bwd(const MatchLogProbBwdArgs<double>&);

}  // namespace imram::cpu
