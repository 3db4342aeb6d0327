// SPDX-License-Identifier: MIT
// Reference batched GEMM: the textbook triple loop, accumulating in T.
#include <cstdint>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void gemm(const GemmArgs<T>& g) {
    for (std::int64_t b = 0; b < g.batch; ++b) {
        const T* A = g.A + b * g.stride_a;
        const T* B = g.B + b * g.stride_b;
        T* C = g.C + b * g.stride_c;
        for (std::int64_t m = 0; m < g.M; ++m)
            for (std::int64_t n = 0; n < g.N; ++n) {
                T acc = 0;
                for (std::int64_t k = 0; k < g.K; ++k) {
                    const T av = g.trans_a ? A[k * g.lda + m] : A[m * g.lda + k];
                    const T bv = g.trans_b ? B[n * g.ldb + k] : B[k * g.ldb + n];
                    acc += av * bv;
                }
                T& c = C[m * g.ldc + n];
                // beta == 0 must not read C: it may be uninitialised (NaN * 0 is NaN).
                c = g.beta == T(0) ? g.alpha * acc : g.alpha * acc + g.beta * c;
            }
    }
}

template void gemm(const GemmArgs<float>&);
template void gemm(const GemmArgs<double>&);

}  // namespace imram::ref
