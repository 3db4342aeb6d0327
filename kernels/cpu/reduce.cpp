// SPDX-License-Identifier: MIT
// CPU reductions over R of x viewed as (O, R, I). I == 1 reduces contiguous rows with Eigen (vectorised sum /
// squaredNorm; the summation order differs from the reference, so results agree to rounding, not bitwise).
// I > 1 accumulates whole rows of I into y in r order (vectorised over i, same order as the reference), column
// blocks of kCols keeping y hot in cache. Max keeps the first index on ties. Parallel over O (and column
// blocks) with OpenMP when large.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/cpu/eigen_maps.h"
#include "kernels/kernels.h"

namespace imram::cpu {
namespace {

constexpr std::int64_t kCols = 2048;

template <class T>
T reduce_row(ReduceOp op, const T* x, std::int64_t R, std::int64_t* arg) {
    if (op == ReduceOp::Max) {
        *arg = 0;
        if (R == 0) return -std::numeric_limits<T>::infinity();  // no element: max's identity, idx 0
        T m = x[0];
        std::int64_t k = 0;
        for (std::int64_t r = 1; r < R; ++r)
            if (x[r] > m) m = x[r], k = r;
        *arg = k;
        return m;
    }
    const auto v = array_map(x, R);
    if (op == ReduceOp::Norm) return std::sqrt(v.matrix().squaredNorm());
    const T s = v.sum();
    return op == ReduceOp::Mean ? s / static_cast<T>(R) : s;
}

/// y[i], i in [i0, i1), of one o: x points at x[o, 0, 0], y at y[o, 0], idx at idx[o, 0].
template <class T>
void reduce_cols(ReduceOp op, const T* x, T* y, std::int64_t* idx, std::int64_t R, std::int64_t I, std::int64_t i0,
                 std::int64_t i1) {
    if (op == ReduceOp::Max) {
        if (R == 0) {
            std::fill(y + i0, y + i1, -std::numeric_limits<T>::infinity());
            std::fill(idx + i0, idx + i1, std::int64_t{0});
            return;
        }
        for (std::int64_t i = i0; i < i1; ++i) y[i] = x[i], idx[i] = 0;
        for (std::int64_t r = 1; r < R; ++r) {
            const T* xr = x + r * I;
            for (std::int64_t i = i0; i < i1; ++i)
                if (xr[i] > y[i]) y[i] = xr[i], idx[i] = r;
        }
        return;
    }
    std::fill(y + i0, y + i1, T(0));
    for (std::int64_t r = 0; r < R; ++r) {
        const T* xr = x + r * I;
        if (op == ReduceOp::Norm)
            for (std::int64_t i = i0; i < i1; ++i) y[i] += xr[i] * xr[i];
        else
            for (std::int64_t i = i0; i < i1; ++i) y[i] += xr[i];
    }
    if (op == ReduceOp::Mean)
        for (std::int64_t i = i0; i < i1; ++i) y[i] /= static_cast<T>(R);
    if (op == ReduceOp::Norm)
        for (std::int64_t i = i0; i < i1; ++i) y[i] = std::sqrt(y[i]);
}

}  // namespace

template <class T>
void reduce_fwd(const ReduceArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, I = a.I;
    if (O == 0 || I == 0) return;
    const bool par = O * R * I > kOmpMinWork;
    if (I == 1) {
#pragma omp parallel for schedule(static) if (par && O > 1)
        for (std::int64_t o = 0; o < O; ++o) a.y[o] = reduce_row(a.op, a.x + o * R, R, a.idx ? a.idx + o : nullptr);
        return;
    }
    const std::int64_t blocks = (I + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if (par && O * blocks > 1)
    for (std::int64_t t = 0; t < O * blocks; ++t) {
        const std::int64_t o = t / blocks, i0 = (t % blocks) * kCols;
        reduce_cols(a.op, a.x + o * R * I, a.y + o * I, a.idx ? a.idx + o * I : nullptr, R, I, i0,
                    std::min(I, i0 + kCols));
    }
}

template <class T>
void reduce_bwd(const ReduceBwdArgs<T>& a) {
    const std::int64_t O = a.O, R = a.R, I = a.I;
    if (O == 0 || R == 0 || I == 0) return;
    const bool par = O * R * I > kOmpMinWork;
    if (I == 1) {
        // dx[o, :] is the contiguous row of R elements fed by the single dy[o].
#pragma omp parallel for schedule(static) if (par && O > 1)
        for (std::int64_t o = 0; o < O; ++o) {
            const T dy = a.dy[o];
            auto dx = array_map(a.dx + o * R, R);
            switch (a.op) {
                case ReduceOp::Sum:
                    dx.setConstant(dy);
                    break;
                case ReduceOp::Mean:
                    dx.setConstant(dy / static_cast<T>(R));
                    break;
                case ReduceOp::Max:
                    dx.setZero();
                    dx[a.idx[o]] = dy;
                    break;
                case ReduceOp::Norm:
                    if (a.y[o] > T(0))
                        dx = dy * array_map(a.x + o * R, R) / a.y[o];
                    else
                        dx.setZero();
                    break;
            }
        }
        return;
    }
#pragma omp parallel for schedule(static) if (par)
    for (std::int64_t t = 0; t < O * R; ++t) {
        const std::int64_t o = t / R, r = t % R;
        const T* dy = a.dy + o * I;
        T* dx = a.dx + t * I;
        switch (a.op) {
            case ReduceOp::Sum:
                std::copy_n(dy, I, dx);
                break;
            case ReduceOp::Mean:
                for (std::int64_t i = 0; i < I; ++i) dx[i] = dy[i] / static_cast<T>(R);
                break;
            case ReduceOp::Max: {
                const std::int64_t* idx = a.idx + o * I;
                for (std::int64_t i = 0; i < I; ++i) dx[i] = idx[i] == r ? dy[i] : T(0);
                break;
            }
            case ReduceOp::Norm: {
                const T* x = a.x + t * I;
                const T* y = a.y + o * I;
                for (std::int64_t i = 0; i < I; ++i) dx[i] = y[i] > T(0) ? dy[i] * x[i] / y[i] : T(0);
                break;
            }
        }
    }
}

template void reduce_fwd(const ReduceArgs<float>&);
template void reduce_fwd(const ReduceArgs<double>&);
template void reduce_bwd(const ReduceBwdArgs<float>&);
template void reduce_bwd(const ReduceBwdArgs<double>&);

}  // namespace imram::cpu
