// SPDX-License-Identifier: MIT
// Reference reparameterised Gaussian draws (docs/ops.md#gaussian_sample): plain loops.
#include <cmath>

#include "kernels/kernels.h"

namespace imram::ref {

template <class T>
void gaussian_sample_fwd(const GaussianSampleArgs<T>& a) {
    for (std::int64_t n = 0; n < a.N; ++n)
        for (std::int64_t k = 0; k < a.K; ++k)
            for (std::int64_t d = 0; d < a.D; ++d) {
                const std::int64_t i = n * a.D + d, j = (n * a.K + k) * a.D + d;
                a.z[j] = a.mu[i] + std::exp(a.logsig[i]) * a.eps[j];
            }
}

// dmu = sum_k dz;  dlogsig = exp(logsig) sum_k dz eps.
template <class T>
void gaussian_sample_bwd(const GaussianSampleBwdArgs<T>& a) {
    for (std::int64_t n = 0; n < a.N; ++n)
        for (std::int64_t d = 0; d < a.D; ++d) {
            T s = 0, se = 0;
            for (std::int64_t k = 0; k < a.K; ++k) {
                const std::int64_t j = (n * a.K + k) * a.D + d;
                s += a.dz[j];
                se += a.dz[j] * a.eps[j];
            }
            const std::int64_t i = n * a.D + d;
            a.dmu[i] = s;
            a.dlogsig[i] = std::exp(a.logsig[i]) * se;
        }
}

template void gaussian_sample_fwd(const GaussianSampleArgs<float>&);
template void gaussian_sample_fwd(const GaussianSampleArgs<double>&);
template void gaussian_sample_bwd(const GaussianSampleBwdArgs<float>&);
template void gaussian_sample_bwd(const GaussianSampleBwdArgs<double>&);

}  // namespace imram::ref
