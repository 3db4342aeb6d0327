// SPDX-License-Identifier: MIT
// Reference reductions over R of x viewed as (O, R, I).
#include <cmath>
#include <cstdint>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void reduce_fwd(const ReduceArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t i = 0; i < a.I; ++i) {
            const T* x = a.x + o * a.R * a.I + i;  // x[r * I]
            T acc = 0;
            std::int64_t arg = 0;
            if (a.op == ReduceOp::Max) {
                acc = x[0];
                for (std::int64_t r = 1; r < a.R; ++r)
                    if (x[r * a.I] > acc) acc = x[r * a.I], arg = r;
                a.idx[o * a.I + i] = arg;
            } else {
                for (std::int64_t r = 0; r < a.R; ++r)
                    acc += a.op == ReduceOp::Norm ? x[r * a.I] * x[r * a.I] : x[r * a.I];
                if (a.op == ReduceOp::Mean) acc /= static_cast<T>(a.R);
                if (a.op == ReduceOp::Norm) acc = std::sqrt(acc);
            }
            a.y[o * a.I + i] = acc;
        }
}

template <class T>
void reduce_bwd(const ReduceBwdArgs<T>& a) {
    for (std::int64_t o = 0; o < a.O; ++o)
        for (std::int64_t r = 0; r < a.R; ++r)
            for (std::int64_t i = 0; i < a.I; ++i) {
                const std::int64_t oi = o * a.I + i, ori = (o * a.R + r) * a.I + i;
                const T dy = a.dy[oi];
                T d = 0;
                switch (a.op) {
                    case ReduceOp::Sum:
                        d = dy;
                        break;
                    case ReduceOp::Mean:
                        d = dy / static_cast<T>(a.R);
                        break;
                    case ReduceOp::Max:
                        d = a.idx[oi] == r ? dy : T(0);
                        break;
                    case ReduceOp::Norm:
                        d = a.y[oi] > T(0) ? dy * a.x[ori] / a.y[oi] : T(0);
                        break;
                }
                a.dx[ori] = d;
            }
}

template void reduce_fwd(const ReduceArgs<float>&);
template void reduce_fwd(const ReduceArgs<double>&);
template void reduce_bwd(const ReduceBwdArgs<float>&);
template void reduce_bwd(const ReduceBwdArgs<double>&);

}  // namespace imram::ref
